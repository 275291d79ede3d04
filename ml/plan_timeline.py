"""Free study time as the planner sees it: segments, and how much study fits in them.

A segment is a stretch of one study window that is not taken by a locked slot or by a slot
kept from the current plan (nor by the break such a kept slot needs around it). Inside a
segment, chunks follow each other with a break between them, so a segment of S minutes holds
less than S minutes of study: `capacity` is the most it can hold.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ml.planning import Interval, PlanRules, Problem

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Segment:
    window: int
    start: int
    end: int


def window_of(windows: tuple[Interval, ...], start: int, end: int) -> int | None:
    """The index of the window holding [start, end) whole, or None."""
    i = bisect.bisect_right([w.start for w in windows], start) - 1
    if i >= 0 and windows[i].start <= start and end <= windows[i].end:
        return i
    return None


def _subtract(pieces: list[Interval], cut: Interval) -> list[Interval]:
    out = []
    for piece in pieces:
        if cut.end <= piece.start or cut.start >= piece.end:
            out.append(piece)
            continue
        if piece.start < cut.start:
            out.append(Interval(piece.start, cut.start))
        if cut.end < piece.end:
            out.append(Interval(cut.end, piece.end))
    return out


def segments(problem: Problem, kept: list[tuple[int, int]]) -> list[Segment]:
    """Free stretches of the windows, in time order, around locked and kept slots.

    A kept slot also takes `break_minutes` on each side, so that a new chunk next to it
    leaves room for the break; a locked slot needs no break (the student fixed it there).
    """
    gap = problem.rules.break_minutes
    cuts = [Interval(p.start, p.end) for p in problem.locked]
    cuts += [Interval(s - gap, e + gap) for s, e in kept]
    out: list[Segment] = []
    for w, window in enumerate(problem.windows):
        pieces = [Interval(max(window.start, 0), min(window.end, problem.horizon))]
        for cut in cuts:
            if cut.start < window.end and cut.end > window.start:
                pieces = _subtract(pieces, cut)
        out.extend(Segment(w, p.start, p.end) for p in pieces if p.end > p.start)
    out.sort(key=lambda s: s.start)
    return out


TABLE = 1 << 12  # lengths below this are looked up in a table computed once per rules


def capacity(length: IntArray, rules: PlanRules) -> IntArray:
    """The most study minutes chunks of [min_chunk, max_chunk] with breaks fit in `length`."""
    length = np.asarray(length, dtype=np.int64)
    if length.size and int(length.max()) < TABLE:
        return _capacity_table(rules)[np.maximum(length, 0)]
    return _capacity(length, rules)


@lru_cache(maxsize=64)
def _capacity_table(rules: PlanRules) -> IntArray:
    table = _capacity(np.arange(TABLE, dtype=np.int64), rules)
    table.setflags(write=False)
    return table


def _capacity(length: IntArray, rules: PlanRules) -> IntArray:
    lo, hi, gap = rules.min_chunk, rules.max_chunk, rules.break_minutes
    length = np.asarray(length, dtype=np.int64)
    most = np.maximum((length + gap) // (lo + gap), 0)
    best = np.zeros_like(length)
    # Study minutes for q chunks is min(q*hi, length - (q-1)*gap), which peaks where the
    # two meet, so only the chunk counts either side of that point need checking.
    guess = -(-(length + gap) // (hi + gap))
    for q in (guess - 1, guess, guess + 1):
        q = np.clip(q, 1, np.maximum(most, 1))
        minutes = np.minimum(q * hi, length - (q - 1) * gap)
        best = np.maximum(best, np.where(most >= 1, minutes, 0))
    return best


@lru_cache(maxsize=4096)
def pack_length(space: int, rules: PlanRules) -> int:
    """The longest first chunk in `space` minutes that still lets the rest fill best."""
    best = int(capacity(np.array([space]), rules)[0])
    top = min(rules.max_chunk, space)
    for first in range(top, 0, -1):
        rest = space - first - rules.break_minutes
        rest_fill = int(capacity(np.array([rest]), rules)[0]) if rest > 0 else 0
        if first + rest_fill >= best:
            return first
    return top


class CapacityTable:
    """Cumulative study capacity from minute 0, to answer "how much fits before x"."""

    def __init__(self, segs: list[Segment], rules: PlanRules, horizon: int) -> None:
        self.horizon = horizon
        before = np.zeros(horizon + 1, dtype=np.int64)
        done = 0
        x = np.arange(horizon + 1, dtype=np.int64)
        for seg in segs:
            inside = (x > seg.start) & (x <= seg.end)
            before[inside] = done + capacity(x[inside] - seg.start, rules)
            after = x > seg.end
            done += int(capacity(np.array([seg.end - seg.start]), rules)[0])
            before[after] = done
        self.before = before

    def at(self, x: IntArray | int) -> IntArray:
        if isinstance(x, int):
            return self.before[min(max(x, 0), self.horizon)]
        return self.before[np.clip(x, 0, self.horizon)]

    def latest_start(self, due: float, minutes: int) -> float:
        """The latest minute from which `minutes` of study still fit before `due`."""
        if due >= self.horizon:
            return float(due) - minutes
        need = int(self.at(int(max(due, 0)))) - minutes
        if need < 0:
            return -1.0
        return float(np.searchsorted(self.before, need, side="right") - 1)
