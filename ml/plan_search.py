"""The planner's search state and its forward pass.

`Search` holds the new chunks of a plan (positions, and which task fills each) with each
task's minutes placed, and offers what the later steps (`ml.plan_exchange`,
`ml.plan_repack`, `ml.plan_repair`, `ml.planner`) work through: adding, removing and
reassigning chunks, checking every hard rule for a task (`valid`), and the forward pass.

The forward pass walks the free segments in time order and, at each point, puts a chunk of
the best task that may start there (chosen as `ml.plan_select` describes), then a break.
A chunk leaves either nothing or at least `min_chunk` of its task behind (unless its
minutes cannot be split that way), and is sized so that as much of the segment as possible
stays usable. A second pass (`fill_gaps`) fills the time the first left free between its
chunks, and `stretch` lets a chunk grow into free time after it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ml.plan_graph import TaskGraph
from ml.plan_objective import ValueModel
from ml.plan_select import choose, claims, effective_dues, select, stakes
from ml.plan_timeline import CapacityTable, Segment, capacity, pack_length
from ml.planning import Problem

IntArray = npt.NDArray[np.int64]
INF = np.inf
EPS = 1e-9


class Search:
    def __init__(
        self,
        problem: Problem,
        model: ValueModel,
        graph: TaskGraph,
        kept: dict[int, list[tuple[int, int]]],
        segs: list[Segment],
        unlock: bool = False,
    ) -> None:
        self.problem = problem
        self.unlock = unlock  # the deadline guard weighs what a prerequisite unlocks
        # Without `unlock`: whether the guard with it would have made every drop this one
        # made (then its search would come out the same).
        self.guards_agree = True
        self.edd = False
        self.rules = problem.rules
        self.model = model
        self.graph = graph
        self.kept = kept
        self.segs = segs
        tasks = problem.tasks
        n = len(tasks)
        self.n = n
        rules = problem.rules
        kept_minutes = [sum(e - s for s, e in kept.get(i, ())) for i in range(n)]
        self.r0 = np.array([t.minutes - k for t, k in zip(tasks, kept_minutes, strict=True)])
        self.mi = np.minimum(rules.min_chunk, self.r0)
        self.splittable = np.array([self._splittable(int(r)) for r in self.r0], dtype=bool)
        self.placed = np.zeros(n, dtype=np.int64)
        self.late = np.zeros(n, dtype=bool)
        self.blocked = np.array(graph.blocked, dtype=bool)
        self.weight = np.asarray(model.weight, dtype=np.float64)
        self.has_due = np.array([t.due is not None for t in tasks], dtype=bool)
        self.due = np.array([t.due if t.due is not None else INF for t in tasks], np.float64)
        goals = {t.goal for t in tasks}
        goal_id = {g: k for k, g in enumerate(sorted(goals, key=lambda g: (g is None, g or "")))}
        self.goal = np.array([goal_id[t.goal] for t in tasks], dtype=np.int64)
        self.kept_first = [min((s for s, _ in kept.get(i, ())), default=None) for i in range(n)]
        self.kept_last = [max((e for _, e in kept.get(i, ())), default=None) for i in range(n)]
        # Every dependency edge as two index arrays (task, what it waits for), and the end
        # of locked work each task waits for: `refresh_ready` works on whole arrays.
        edges = [(i, j) for i in range(n) for j in graph.deps[i]]
        self.dep_of = np.array([i for i, _ in edges], dtype=np.int64)
        self.dep_on = np.array([j for _, j in edges], dtype=np.int64)
        self.locked_ready = np.array(graph.locked_ready, dtype=np.float64)
        # New chunks: fixed positions once built; the exchange step changes only `task`.
        self.start: list[int] = []
        self.end: list[int] = []
        self.task: list[int] = []
        self.of_task: list[list[int]] = [[] for _ in range(n)]
        self.table = CapacityTable(segs, rules, problem.horizon)
        # Groups repacking searched without finding better, with all their search read:
        # the same search again would find the same.
        self.repacked: set[tuple[object, ...]] = set()

    def _splittable(self, minutes: int) -> bool:
        lo, hi = self.rules.min_chunk, self.rules.max_chunk
        if minutes < lo:
            return True
        q = -(-minutes // hi)
        return q * lo <= minutes

    # --- state --------------------------------------------------------------------------

    def value(self) -> float:
        """The objective of the new chunks (kept ones are worth the same in every plan)."""
        chunks = zip(self.task, self.start, self.end, strict=True)
        return sum(self.model.slot_value(i, s, e) for i, s, e in chunks)

    def complete(self, i: int) -> bool:
        return bool(self.placed[i] == self.r0[i])

    def closure(self, i: int) -> list[int]:
        """Task i and the prerequisites it still waits for, dependencies first."""
        found = [i]
        seen = {i}
        for j in found:
            for d in self.graph.deps[j]:
                if d not in seen and self.r0[d] > 0:
                    seen.add(d)
                    found.append(d)
        return found[::-1]

    def first_start(self, i: int) -> int | None:
        starts = [self.start[c] for c in self.of_task[i]]
        if self.kept_first[i] is not None:
            starts.append(self.kept_first[i])  # type: ignore[arg-type]
        return min(starts) if starts else None

    def last_end(self, i: int) -> int | None:
        ends = [self.end[c] for c in self.of_task[i]]
        if self.kept_last[i] is not None:
            ends.append(self.kept_last[i])  # type: ignore[arg-type]
        return max(ends) if ends else None

    def remove(self, chunks: list[int]) -> None:
        """Take the given new chunks off the plan."""
        gone = set(chunks)
        for c in gone:
            self.placed[self.task[c]] -= self.end[c] - self.start[c]
        keep = [c for c in range(len(self.task)) if c not in gone]
        self.start = [self.start[c] for c in keep]
        self.end = [self.end[c] for c in keep]
        self.task = [self.task[c] for c in keep]
        self.of_task = [[] for _ in range(self.n)]
        for c, i in enumerate(self.task):
            self.of_task[i].append(c)

    def add(self, i: int, start: int, end: int) -> None:
        self._add(i, start, end)

    def valid(self, i: int) -> bool:
        return self._valid(i)

    def assign(self, c: int, i: int) -> None:
        self._assign(c, i)

    def _add(self, i: int, start: int, end: int) -> None:
        self.start.append(start)
        self.end.append(end)
        self.task.append(i)
        self.of_task[i].append(len(self.task) - 1)
        self.placed[i] += end - start

    # --- forward pass -------------------------------------------------------------------

    def construct(self) -> None:
        """The forward pass over all free segments."""
        if not self.segs or self.n == 0:
            return
        graph = self.graph
        self.eff_due = effective_dues(self)
        self.guard = np.array(
            [
                i
                for i in np.argsort(self.eff_due, kind="stable")
                if 0 < self.eff_due[i] < self.problem.horizon
            ],
            dtype=np.int64,
        )
        self.dropped = np.zeros(self.n, dtype=bool)
        self.stake, self.below = stakes(self)
        claims(self, 0, 0)
        self.selected, self.slope, self.late = select(self, self.dropped)
        self.done_at = np.where(self.r0 == 0, self._kept_last_array(), INF)
        self.ready = np.full(self.n, INF)
        for i in graph.order:
            self._update_ready(i)
        self._fill(self.segs)

    def fill_gaps(self) -> None:
        """A second forward pass over the time the first left free between its chunks."""
        if not self.task:
            return
        self.refresh_ready()
        self._fill(self.free_segments())

    def free_segments(self) -> list[Segment]:
        """The free time left between new chunks (with room for a break on each side)."""
        gap = self.rules.break_minutes
        order = sorted(range(len(self.task)), key=lambda c: self.start[c])
        rest: list[Segment] = []
        for seg in self.segs:
            at = seg.start
            for c in order:
                if seg.start <= self.start[c] < seg.end:
                    if self.start[c] - gap > at:
                        rest.append(Segment(seg.window, at, self.start[c] - gap))
                    at = self.end[c] + gap
            if seg.end > at:
                rest.append(Segment(seg.window, at, seg.end))
        return rest

    def refresh_ready(self) -> None:
        """When each task may start, from where its dependencies now end."""
        last = self._kept_last_array(missing=-INF)
        if self.task:
            np.maximum.at(last, np.asarray(self.task), np.asarray(self.end, dtype=np.float64))
        last[np.isneginf(last)] = 0.0
        self.done_at[:] = np.where(self.placed == self.r0, last, INF)
        ready = self.locked_ready.copy()
        np.maximum.at(ready, self.dep_of, self.done_at[self.dep_on])
        # A blocked task never starts: its entry is left as it was.
        self.ready[~self.blocked] = ready[~self.blocked]

    def stretch(self, tries: int = 3) -> None:
        """Let a chunk that leaves free time after it grow into it, under whichever task
        (its own or another with minutes left) gains most by the longer chunk."""
        gap = self.rules.break_minutes
        for seg in self.segs:
            inside = sorted(
                (c for c in range(len(self.task)) if seg.start <= self.start[c] < seg.end),
                key=lambda c: self.start[c],
            )
            for k, c in enumerate(inside):
                limit = seg.end if k + 1 == len(inside) else self.start[inside[k + 1]] - gap
                if limit > self.end[c]:
                    self._grow(c, limit, tries)

    def _grow(self, c: int, limit: int, tries: int) -> None:
        owner, start, end = self.task[c], self.start[c], self.end[c]
        rem = self.r0 - self.placed
        rem[owner] += end - start
        lengths = self._lengths_for(rem, min(limit - start, self.rules.max_chunk))
        lengths[self.blocked] = 0
        idx = np.flatnonzero(lengths > end - start)
        if idx.size == 0:
            return
        before = self.model.slot_value(owner, start, end)
        gains = self.model.estimate(idx, start, (start + lengths[idx]).astype(np.float64))
        for pick in np.argsort(-gains)[:tries]:
            u = int(idx[pick])
            if gains[pick] - before <= EPS:
                return
            self._assign(c, u)
            self._resize(c, start + int(lengths[u]))
            if self._valid(u) and self._valid(owner):
                return
            self._resize(c, end)
            self._assign(c, owner)

    def _resize(self, c: int, end: int) -> None:
        self.placed[self.task[c]] += end - self.end[c]
        self.end[c] = end

    def _update_ready(self, i: int) -> None:
        waits = [float(self.graph.locked_ready[i])] + [self.done_at[j] for j in self.graph.deps[i]]
        self.ready[i] = max(waits)

    def fill(self, segs: list[Segment], only: npt.NDArray[np.bool_], edd: bool = False) -> None:
        """The forward pass over `segs`, placing only tasks marked in `only` (with `edd`,
        the one due first goes first)."""
        self.edd = edd
        self._fill(segs, only)
        self.edd = False

    def _fill(self, segs: list[Segment], only: npt.NDArray[np.bool_] | None = None) -> None:
        ready = self.ready
        last_goal = -1
        for seg in segs:
            t = seg.start
            while seg.end - t > 0:
                space = seg.end - t
                lengths, fill = self._fits(space)
                usable = (ready <= t) & (lengths > 0) & ~self.blocked
                if only is not None:
                    usable &= only
                if not usable.any():
                    waiting = ready[(ready > t) & (self.placed < self.r0)]
                    later = waiting.min() if waiting.size else INF
                    if later >= seg.end:
                        break
                    t = int(later)
                    continue
                margin = pack_length(space, self.rules) + self.rules.break_minutes
                critical = claims(self, t, margin)
                if (usable & critical).any():
                    usable &= critical
                # When free time runs short, a chunk that strands the rest of the segment
                # costs more than any difference in order could gain.
                wanted = int((self.r0 - self.placed)[~self.blocked].sum())
                if wanted > int(self.table.at(self.problem.horizon) - self.table.at(t)):
                    usable &= fill == fill[usable].max()
                i = choose(self, t, usable, lengths, last_goal)
                length = int(lengths[i])
                self._add(i, t, t + length)
                last_goal = int(self.goal[i])
                if self.complete(i):
                    self.done_at[i] = float(self.last_end(i) or 0)
                    for k in self.graph.dependents[i]:
                        self._update_ready(k)
                t += length + self.rules.break_minutes

    def _fits(self, space: int) -> tuple[IntArray, IntArray]:
        """Per task, its chunk at this point and how much of the segment is then usable."""
        gap = self.rules.break_minutes
        best_len = np.zeros(self.n, dtype=np.int64)
        best_fill = np.full(self.n, -1, dtype=np.int64)
        for room in (min(pack_length(space, self.rules), space), space):
            length = self._chunk_lengths(room)
            rest = np.maximum(space - length - gap, 0)
            fill = np.where(length > 0, length + capacity(rest, self.rules), -1)
            better = fill > best_fill
            best_len = np.where(better, length, best_len)
            best_fill = np.where(better, fill, best_fill)
        return best_len, best_fill

    def _kept_last_array(self, missing: float = INF) -> npt.NDArray[np.float64]:
        return np.array([missing if e is None else float(e) for e in self.kept_last])

    def _chunk_lengths(self, space: int) -> IntArray:
        return self._lengths_for(self.r0 - self.placed, space)

    def _lengths_for(self, rem: IntArray, space: int) -> IntArray:
        """Per task, the chunk it would place in `space` minutes (0: none fits).

        A chunk leaves either nothing or at least min_chunk behind, so the rest can be
        placed later; only a task whose minutes cannot be split that way may end on a
        shorter piece.
        """
        lo, hi = self.rules.min_chunk, self.rules.max_chunk
        top = min(hi, space)
        part = np.minimum(top, rem - lo)
        whole = np.where(rem >= self.mi, rem, np.where(~self.splittable, rem, 0))
        return np.where(
            rem <= top,
            whole,
            np.where(part >= lo, part, np.where(~self.splittable & (top >= lo), top, 0)),
        )

    # --- rules -------------------------------------------------------------------------

    def _assign(self, c: int, i: int) -> None:
        old = self.task[c]
        size = self.end[c] - self.start[c]
        self.of_task[old].remove(c)
        self.placed[old] -= size
        self.task[c] = i
        self.of_task[i].append(c)
        self.placed[i] += size

    def _valid(self, i: int) -> bool:
        """Chunk rules for task i, and its dependencies both ways."""
        if self.placed[i] > self.r0[i] or (self.of_task[i] and self.blocked[i]):
            return False
        sizes = [self.end[c] - self.start[c] for c in self.of_task[i]]
        short = [s for s in sizes if s < self.mi[i]]
        if short and (self.splittable[i] or len(short) > 1 or not self.complete(i)):
            return False
        first = self.first_start(i)
        if first is not None:
            if first < self.graph.locked_ready[i]:
                return False
            for j in self.graph.deps[i]:
                end = self.last_end(j)
                if not self.complete(j) or (end is not None and end > first):
                    return False
        end = self.last_end(i)
        for k in self.graph.dependents[i]:
            start = self.first_start(k)
            if start is not None and (not self.complete(i) or (end is not None and end > start)):
                return False
        return True
