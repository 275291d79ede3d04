"""Why each slot is where it is, and why a task is at risk, in sentences a student reads.

The planner only knows minutes from now, so the wording speaks of spans ("due in 2 days")
rather than dates; the API is free to add dates around these sentences.
"""

from __future__ import annotations

import bisect

from ml.plan_graph import TaskGraph
from ml.plan_objective import DAY, HARD
from ml.planning import Interval, Problem, Risk, RiskCode

Chunks = dict[int, list[tuple[int, int]]]


def span(minutes: int) -> str:
    """Rounded as people say it: 2 days 23 hours is "3 days"."""
    if minutes < 60:
        return f"{minutes} min"
    if minutes < DAY - 30:
        return f"{(minutes + 30) // 60} h"
    days = (minutes + DAY // 2) // DAY
    return "1 day" if days == 1 else f"{days} days"


def task_reason(problem: Problem, i: int, start: int, end: int, part: int, parts: int) -> str:
    task = problem.tasks[i]
    said = []
    if task.due is not None:
        if task.due <= 0:
            said.append("overdue, so it goes as early as possible")
        elif end > task.due:
            said.append("past its due date: no earlier study time was free")
        else:
            said.append(f"due in {span(task.due)}")
    if task.priority >= 3:
        said.append("high-priority goal")
    elif task.priority >= 2:
        said.append("medium-priority goal")
    if task.difficulty >= HARD and any(start < p.end and p.start < end for p in problem.peak):
        said.append("a hard task in your peak hours")
    if parts > 1:
        said.append(f"part {part} of {parts}")
    if not said:
        said.append("fits your free study time")
    text = "; ".join(said)
    return text[0].upper() + text[1:]


def break_reason(minutes: int) -> str:
    return f"Break after {minutes} min of study"


def _merged(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda x: x.start):
        if out and iv.start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, iv.end))
        else:
            out.append(iv)
    return out


class FreeTime:
    """Study-window minutes not taken by locked slots, summed over any span: the windows
    (in time order, apart) less the locked slots, once, and the minutes before each piece."""

    def __init__(self, problem: Problem) -> None:
        self.horizon = problem.horizon
        locked = _merged([Interval(p.start, p.end) for p in problem.locked])
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []
        done = 0
        for w in problem.windows:
            at, end = max(w.start, 0), min(w.end, self.horizon)
            for q in locked:
                if q.end <= at or q.start >= end:
                    continue
                if q.start > at:
                    done = self._piece(at, q.start, done)
                at = max(at, q.end)
            if end > at:
                done = self._piece(at, end, done)

    def _piece(self, start: int, end: int, done: int) -> int:
        self.starts.append(start)
        self.ends.append(end)
        self.before.append(done)
        return done + end - start

    def minutes(self, lo: int, hi: int) -> int:
        """Free study-window minutes in [lo, hi)."""
        lo, hi = max(lo, 0), min(hi, self.horizon)
        return max(0, self._upto(hi) - self._upto(lo)) if lo < hi else 0

    def _upto(self, x: int) -> int:
        k = bisect.bisect_right(self.starts, x) - 1
        if k < 0:
            return 0
        return self.before[k] + min(x, self.ends[k]) - self.starts[k]


def risks(problem: Problem, graph: TaskGraph, chunks: Chunks) -> tuple[Risk, ...]:
    """A risk for each task due within the horizon that is not fully planned by its due."""
    locked_end: dict[str, int] = {}
    for p in problem.locked:
        locked_end[p.task] = max(locked_end.get(p.task, 0), p.end)
    index = {t.key: i for i, t in enumerate(problem.tasks)}
    free_time = FreeTime(problem)
    out = []
    for i, task in enumerate(problem.tasks):
        due = task.due
        if due is None or due > problem.horizon:
            continue
        mine = chunks.get(i, [])
        need = task.minutes
        if due <= 0:
            ago = "is due now" if due == 0 else f"was due {span(-due)} ago"
            tail = "planned as early as possible" if mine else "no study time is free to plan it"
            out.append(Risk(task.key, RiskCode.OVERDUE, f"{ago}; {tail}"))
            continue
        if not problem.windows:
            reason = f"needs {need} min before it is due but no study time is set in the plan"
            out.append(Risk(task.key, RiskCode.NO_STUDY_WINDOWS, reason))
            continue
        on_time = sum(max(0, min(e, due) - s) for s, e in mine)
        if on_time >= need:
            continue
        free = free_time.minutes(0, due)
        if free < need:
            reason = f"needs {need} min but only {free} min of study time are free before it is due"
            out.append(Risk(task.key, RiskCode.NOT_ENOUGH_TIME, reason))
            continue
        late_dep = _late_dependency(problem, graph, chunks, index, locked_end, free_time, i)
        if late_dep is not None:
            reason = (
                f"can only start once '{late_dep}' is finished, and '{late_dep}' cannot be "
                f"finished early enough to leave its {need} min before it is due"
            )
            out.append(Risk(task.key, RiskCode.DEPENDENCY_LATE, reason))
            continue
        reason = (
            f"needs {need} min but only {on_time} min could be planned before it is due; "
            f"the rest of the {free} min of study time free before then goes to tasks "
            "due sooner or more important"
        )
        out.append(Risk(task.key, RiskCode.NOT_ENOUGH_TIME, reason))
    return tuple(out)


def _late_dependency(
    problem: Problem,
    graph: TaskGraph,
    chunks: Chunks,
    index: dict[str, int],
    locked_end: dict[str, int],
    free_time: FreeTime,
    i: int,
) -> str | None:
    """The dependency finishing latest, if it leaves too little time before the due."""
    task = problem.tasks[i]
    assert task.due is not None
    worst: tuple[float, str] | None = None
    for key in task.depends_on:
        j = index.get(key)
        finish: float = locked_end.get(key, 0)
        if j is not None:
            done = sum(e - s for s, e in chunks.get(j, []))
            if graph.blocked[j] or done < problem.tasks[j].minutes:
                finish = float("inf")
            else:
                finish = max(finish, max(e for _, e in chunks[j]))
        elif key not in locked_end:
            continue
        if worst is None or finish > worst[0]:
            worst = (finish, key)
    if worst is None:
        return None
    finish, key = worst
    if finish == float("inf") or free_time.minutes(int(finish), task.due) < task.minutes:
        return key
    return None
