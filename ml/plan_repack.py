"""Repacking: lay out one or two free segments again, chunk lengths and order included.

The forward pass and the exchanges keep chunk positions; they cannot see that two chunks in
a window would hold the same minutes the other way round and leave both tasks whole (a
45-minute chunk of a 60-minute task followed by 60 of a 75-minute one strands 15 minutes of
each; 75 then 30 finishes one and leaves the other a chunk's worth). Repacking clears the
new chunks of a group of consecutive segments and searches, depth first under a node
budget, the sequences of chunks that fill them again: the tasks that were there and the
few most valuable tasks with minutes left, each at the lengths that finish it, that fill
the rest of the segment, or that leave room for one more chunk.

A layout replaces the old one when it scores higher: the objective, plus a small bonus per
task due within the horizon that is then placed whole before its due, less a small
penalty per task left with a remainder too short to ever be placed. Both are far below
what a minute of on-time work is worth, so they only decide between layouts of (nearly)
equal value, in favour of the one that meets more due dates and keeps more options open.
Every hard rule is checked before a layout is kept. No randomness: the budget is a count
of search nodes, so a problem always gets the same plan.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from ml.plan_timeline import Segment

if TYPE_CHECKING:
    from ml.plan_search import Search

MET_BONUS = 4.0  # per task due within the horizon, placed whole before its due
STRAND_PENALTY = 2.0  # per task left with fewer than min_chunk minutes it could not place
EXTRA = 4  # tasks with minutes left considered besides those already in the group
NODES = 600  # search nodes per group
KEEP = 3  # layouts of a group tried, best first
EPS = 1e-6

Chunk = tuple[int, int, int]  # task, start, end


def repack(search: Search, passes: int = 2, nodes: int = NODES) -> None:
    """Repack every segment alone and every two consecutive ones, `passes` times.

    A group is searched again only when the plan changed since it was last searched: a pass
    stops once it reaches the last change without a change since.
    """
    segs = search.segs
    groups = []
    for k in range(len(segs)):
        groups.append(segs[k : k + 1])
        if k + 1 < len(segs):
            groups.append(segs[k : k + 2])
    since = 0  # groups searched since the plan last changed
    for _ in range(passes):
        for group in groups:
            if since >= len(groups):
                return
            since = 0 if _repack_group(search, group, nodes) else since + 1
        if since >= len(groups):
            return


def _score_tasks(search: Search, tasks: set[int]) -> float:
    """The bonus and penalty terms of the repacking score, over `tasks`."""
    score = 0.0
    lo = search.rules.min_chunk
    horizon = search.problem.horizon
    for i in tasks:
        rem = int(search.r0[i] - search.placed[i])
        if 0 < rem < lo and search.splittable[i]:
            score -= STRAND_PENALTY
        due = search.due[i]
        if rem == 0 and 0 < due <= horizon:
            last = search.last_end(i)
            if last is None or last <= due:
                score += MET_BONUS
    return score


def _repack_group(search: Search, group: list[Segment], nodes: int) -> bool:
    model = search.model
    lo_t, hi_t = group[0].start, group[-1].end
    inside = [c for c in range(len(search.task)) if lo_t <= search.start[c] < hi_t]
    old: list[Chunk] = [(search.task[c], search.start[c], search.end[c]) for c in inside]
    old_tasks = {i for i, _, _ in old}
    # Removing a task's chunks must not strand what waits for it elsewhere.
    for i in old_tasks:
        for k in search.graph.dependents[i]:
            if search.first_start(k) is not None and k not in old_tasks:
                return False
    old_value = sum(model.slot_value(i, s, e) for i, s, e in old)
    before = old_value + _score_tasks(search, old_tasks)
    search.remove(inside)
    cands = _candidates(search, old_tasks, lo_t, hi_t)
    seen = (lo_t, hi_t, nodes, tuple(old), _inputs(search, cands))
    if seen in search.repacked:
        for i, s, e in old:
            search.add(i, s, e)
        return False  # searched as it is now before, and nothing better was found
    before += _score_tasks(search, set(cands) - old_tasks)
    best = _search(search, group, cands, nodes)
    improved = False
    for layout in best:
        value = sum(model.slot_value(i, s, e) for i, s, e in layout)
        for i, s, e in layout:
            search.add(i, s, e)
        score = value + _score_tasks(search, set(cands))
        if score > before + EPS and all(search.valid(i) for i in cands):
            improved = True
            break
        search.remove(list(range(len(search.task) - len(layout), len(search.task))))
    if not improved:
        for i, s, e in old:
            search.add(i, s, e)
        search.repacked.add(seen)
    return improved


def _inputs(search: Search, cands: list[int]) -> tuple[object, ...]:
    """Everything outside a group that its search and the check of its layouts read: each
    candidate's chunks there, and where what it waits for and what waits for it stand."""
    graph = search.graph
    return tuple(
        (
            i,
            tuple(sorted((search.start[c], search.end[c]) for c in search.of_task[i])),
            tuple((int(search.placed[j]), search.last_end(j)) for j in graph.deps[i]),
            tuple(search.first_start(k) for k in graph.dependents[i]),
        )
        for i in cands
    )


def _candidates(search: Search, old_tasks: set[int], lo_t: int, hi_t: int) -> list[int]:
    rem = search.r0 - search.placed
    usable = (rem > 0) & ~search.blocked
    for i in old_tasks:
        usable[i] = False
    idx = np.flatnonzero(usable)
    extra: list[int] = []
    if idx.size:
        size = np.minimum(rem[idx], search.rules.max_chunk).astype(np.float64)
        value = search.model.estimate(idx, lo_t, lo_t + size) / np.maximum(size, 1)
        partial = search.placed[idx] > 0
        value = value + np.where(partial, 0.5, 0.0)
        for k in np.argsort(-value, kind="stable"):
            i = int(idx[k])
            if _ready(search, i, {}) < hi_t:
                extra.append(i)
                if len(extra) == EXTRA:
                    break
    return sorted(old_tasks) + extra


def _ready(search: Search, i: int, local: dict[int, tuple[int, int]]) -> float:
    """When task i may start, given chunks `local` (task: minutes, last end) laid out so far."""
    at = float(search.graph.locked_ready[i])
    for j in search.graph.deps[i]:
        extra, local_end = local.get(j, (0, 0))
        if search.placed[j] + extra < search.r0[j]:
            return np.inf
        end = max(search.last_end(j) or 0, local_end)
        at = max(at, end)
    return at


def _lengths(search: Search, i: int, rem: int, space: int) -> list[int]:
    lo, hi, gap = search.rules.min_chunk, search.rules.max_chunk, search.rules.break_minutes
    top = min(hi, space, rem)
    mi = min(lo, int(search.r0[i]))

    def ok(n: int) -> bool:
        if n <= 0 or n > top:
            return False
        if n < mi and n != rem:
            return False
        left = rem - n
        return left == 0 or left >= lo or not search.splittable[i]

    out = []
    for n in (rem, top, space - gap - lo, rem - lo, top - (top % 15)):
        n = min(n, top)
        if ok(n) and n not in out:
            out.append(n)
    return out


def _search(
    search: Search, group: list[Segment], cands: list[int], nodes: int
) -> list[list[Chunk]]:
    """The best few layouts of the group found within the node budget, best first."""
    model = search.model
    gap = search.rules.break_minutes
    lo = search.rules.min_chunk
    rem0 = {i: int(search.r0[i] - search.placed[i]) for i in cands}
    found: list[tuple[float, list[Chunk]]] = []
    budget = [nodes]
    horizon = search.problem.horizon

    # Fixed while the group is searched: the chunks outside it do not move.
    last_end = {i: search.last_end(i) or 0 for i in cands}
    ready_at = {i: _ready(search, i, {}) for i in cands}
    sizes: dict[tuple[int, int, int], list[int]] = {}

    splittable = {i: bool(search.splittable[i]) for i in cands}
    due_of = {i: float(search.due[i]) for i in cands if 0 < search.due[i] <= horizon}

    def term(i: int, rem_i: int, local_end: int) -> float:
        """Task i's share of the bonus and penalty, with `rem_i` minutes left."""
        if splittable[i] and 0 < rem_i < lo:
            return -STRAND_PENALTY
        due = due_of.get(i)
        if due is not None and rem_i == 0 and max(last_end[i], local_end) <= due:
            return MET_BONUS
        return 0.0

    deps = {i: tuple(search.graph.deps[i]) for i in cands}

    def ready(i: int, local: dict[int, tuple[int, int]]) -> float:
        mine = deps[i]
        if not mine or not local or not any(j in local for j in mine):
            return ready_at[i]
        return _ready(search, i, local)

    def lengths(i: int, r: int, space: int) -> list[int]:
        key = (i, r, space)
        out = sizes.get(key)
        if out is None:
            out = sizes[key] = _lengths(search, i, r, space)
        return out

    def keep(score: float, layout: list[Chunk]) -> None:
        """Among the best few so far, in score order, the earlier found first on a tie."""
        if len(found) == KEEP and score <= found[-1][0]:
            return
        at = len(found)
        while at > 0 and found[at - 1][0] < score:
            at -= 1
        found.insert(at, (score, list(layout)))
        del found[KEEP:]

    def walk(
        k: int,
        t: int,
        layout: list[Chunk],
        value: float,
        extra: float,
        rem: dict[int, int],
        local: dict[int, tuple[int, int]],
    ) -> None:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        keep(value + extra, layout)
        seg = group[k]
        t = max(t, seg.start)
        space = seg.end - t
        options = []
        if space > 0:
            for i in cands:
                if rem[i] <= 0 or ready(i, local) > t:
                    continue
                for n in lengths(i, rem[i], space):
                    v = model.slot_value(i, t, t + n)
                    options.append((-v / n, v, i, n))
        options.sort(key=itemgetter(0))  # stable: on a tie, the order the tasks came in
        for _, v, i, n in options:
            layout.append((i, t, t + n))
            before = local.get(i)
            done, end = before or (0, 0)
            was = term(i, rem[i], end)
            rem[i] -= n
            local[i] = (done + n, t + n)
            gain = term(i, rem[i], t + n) - was
            walk(k, t + n + gap, layout, value + v, extra + gain, rem, local)
            if before is None:
                del local[i]
            else:
                local[i] = before
            rem[i] += n
            layout.pop()
        if k + 1 < len(group):
            walk(k + 1, group[k + 1].start, layout, value, extra, rem, local)

    start = sum(term(i, r, 0) for i, r in rem0.items())
    walk(0, group[0].start, [], 0.0, start, dict(rem0), {})
    return [layout for _, layout in found]
