"""The most a plan could be worth if it met one more due: a bound that spares the repair
and the exact stretches attempts that cannot pay.

Every new chunk lies in the free segments, so the new chunks of any plan hold at most the
segments' minutes, each task at most the minutes it has to place, and each minute of a
task is worth at most the task's best per-minute value at or after the earliest it could
start (after its locked and kept prerequisites, and after as many free minutes as its
unplaced ones need). Breaks and chunk lengths are left out: a task with fewer minutes than
the shortest chunk may use a segment too short for one. A plan that meets task i's
due holds all of i and of what it still waits for before that due, each minute worth at
most its best there; the rest of the capacity goes, at best, to the other tasks' best
minutes, densest first (a fractional knapsack). When that bound is no more than what the
plan is worth now, no attempt to meet the due can raise the objective.

A task's per-minute value only falls along a free segment (the urgency decays; the due, its
buffer and lateness only take value away) except where a peak hour or a slot of the current
plan starts: those minutes, the segments' starts and the tasks' earliest starts are where
its best lies.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ml.plan_search import Search

EPS = 1e-6


def best_fill(room: int, offers: Iterable[tuple[float, int]]) -> float:
    """The most `room` minutes can earn from `offers` of (value per minute, minutes), given
    best first, each taken in part if need be (a fractional knapsack)."""
    earned = 0.0
    for value, minutes in offers:
        if room <= 0 or value <= 0:
            break
        take = min(room, minutes)
        earned += take * value
        room -= take
    return earned


class MeetingBound:
    def __init__(self, search: Search) -> None:
        self.search = search
        segs = search.segs
        self.starts = np.array([g.start for g in segs], dtype=np.int64)
        # free minutes up to the end of each segment
        self.free = np.cumsum([g.end - g.start for g in segs], dtype=np.int64)
        earliest = self._earliest_starts()
        rises = np.array(self._rises(earliest), dtype=np.int64)
        k = np.searchsorted(self.starts, rises, side="right") - 1
        ends = np.array([g.end for g in segs], dtype=np.int64)
        inside = rises[(k >= 0) & (rises < ends[np.maximum(k, 0)])] if segs else rises[:0]
        self.minutes = np.union1d(self.starts, inside)
        values = search.model.matrix(self.minutes.tolist(), (self.minutes + 1).tolist())
        # per task (rows), the value of a minute from each point on (columns) it could use
        self.values = np.where(self.minutes[None, :] >= earliest[:, None], values, -np.inf)
        self.room = int(self.free[-1]) if segs else 0
        best = self.values.max(axis=1, initial=-np.inf)
        usable = (search.r0 > 0) & ~search.blocked & np.isfinite(best)
        self.best = best
        self.order = [j for j in np.argsort(-best, kind="stable").tolist() if usable[j]]
        self.bounds: dict[int, float] = {}

    def worth_meeting(self, i: int) -> bool:
        """Whether a plan with task i whole before its due could be worth more than the
        plan now."""
        return self.bound(i) > self.search.value() + EPS

    def bound(self, i: int) -> float:
        """The most the new chunks of a plan with task i whole before its due can be worth
        (minus infinity when no such plan exists)."""
        if i not in self.bounds:
            self.bounds[i] = self._bound(i)
        return self.bounds[i]

    def _bound(self, i: int) -> float:
        search = self.search
        early = self.minutes < search.due[i]
        lot = search.closure(i)
        room = self.room
        bound = 0.0
        for j in lot:
            best = float(self.values[j, early].max(initial=-np.inf))
            if not np.isfinite(best) or search.blocked[j]:
                return -np.inf
            room -= int(search.r0[j])
            bound += int(search.r0[j]) * best
        if room < 0:
            return -np.inf
        others = ((float(self.best[j]), int(search.r0[j])) for j in self.order if j not in lot)
        return bound + best_fill(room, others)

    def _earliest_starts(self) -> np.ndarray:
        """Per task, the earliest minute it could start: after its locked prerequisites,
        the kept chunks of those it no longer waits for, and the free time those it still
        waits for need from their own earliest start (infinite when that runs past the
        horizon)."""
        search = self.search
        graph = search.graph
        earliest = np.full(search.n, np.inf)
        for i in graph.order:
            at = float(graph.locked_ready[i])
            for d in graph.deps[i]:
                if search.r0[d] == 0:
                    at = max(at, float(search.kept_last[d] or 0))
                else:
                    at = max(at, self._after(earliest[d], int(search.r0[d])))
            earliest[i] = at
        return earliest

    def _after(self, start: float, minutes: int) -> float:
        """The first minute by which `minutes` of free time have passed since `start`
        (infinite when they never do): no study fits in less, breaks or not."""
        if not np.isfinite(start) or not self.starts.size:
            return np.inf
        k = int(np.searchsorted(self.starts, start, side="right")) - 1
        before = 0 if k < 0 else int(self.free[k - 1]) if k else 0
        if k >= 0:
            before += min(int(start) - int(self.starts[k]), int(self.free[k]) - before)
        need = before + minutes
        m = int(np.searchsorted(self.free, need, side="left"))
        if m >= self.free.size:
            return np.inf
        used = int(self.free[m - 1]) if m else 0
        return float(self.starts[m] + need - used)

    def _rises(self, earliest: np.ndarray) -> list[int]:
        """Minutes where some task's value per minute may rise."""
        model = self.search.model
        out = [p.start for p in model.peak]
        out += [k.start for kept in model.previous.values() for k in kept]
        out += [int(x) for x in earliest if np.isfinite(x)]
        return out
