"""The planner's objective: what each placed minute of a task is worth.

A plan's value is the sum, over the minutes its TASK slots cover, of what a minute t of
task i is worth:

    p_i * u_i * d(t)                  priority x urgency, worth less the later it is placed
  + DUE_BONUS                          i has a due date ahead and t is before it
  - BUFFER_PENALTY                       ... but inside the buffer kept before the due
  + LATE_LEVEL - TARDINESS * late(t)   t is at or after i's due (or i is already overdue)
  + PEAK_BONUS                         i is hard (difficulty 3) and t is a peak hour
  + KEEP_BONUS                         the current plan had i at minute t

where p_i is the goal's priority, u_i = 1 + 1 / (1 + days until due) (1 without a due,
2 when due now or overdue), d(t) = 1 - t / DECAY_SPAN (in (0.5, 1] over the horizon of at
most 14 days) and late(t) = days from max(due, 0) to t. BREAK and BUFFER slots are worth
nothing.

Why this shape: meeting due dates should outweigh every soft preference, so a minute before
its due earns DUE_BONUS, more than the soft terms can ever differ by; a late minute is still
worth placing (an overdue task is planned, and the earlier the better: its value falls by
TARDINESS a day) but always less than an on-time one. Because every term depends only on
the task and the minute, an exact model is a linear program over task x time-cell
variables with these values as coefficients (see `bench/schedules.py`), and the planner
and that model maximise the same function. Variety across goals is not a term: it only
breaks ties between otherwise equal choices in the planner.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ml.planning import Interval, PlanTask, Problem, Slot, SlotKind

DAY = 1440
DECAY_SPAN = 28 * DAY
DUE_BONUS = 20.0
BUFFER_PENALTY = 2.0
LATE_LEVEL = 4.0
TARDINESS = 0.25  # per day late; LATE_LEVEL stays above 14 days of it, so late stays > 0
PEAK_BONUS = 1.0
KEEP_BONUS = 1.0
HARD = 3

FloatArray = npt.NDArray[np.float64]


def urgency(task: PlanTask) -> float:
    if task.due is None:
        return 1.0
    return 1.0 + 1.0 / (1.0 + max(task.due, 0) / DAY)


def _overlap(start: int, end: int, lo: int, hi: int) -> int:
    return max(0, min(end, hi) - max(start, lo))


class ValueModel:
    """The objective's terms for one problem, evaluated for one slot or a whole matrix."""

    def __init__(self, problem: Problem) -> None:
        self.tasks = problem.tasks
        self.index = {task.key: i for i, task in enumerate(problem.tasks)}
        self.buffer = problem.rules.buffer_minutes
        self.peak = problem.peak
        self.weight = [task.priority * urgency(task) for task in problem.tasks]
        self.previous: dict[int, list[Interval]] = {}
        for placement in problem.previous:
            i = self.index.get(placement.task)
            if i is not None:
                self.previous.setdefault(i, []).append(Interval(placement.start, placement.end))
        kept = [(i, k) for i, intervals in self.previous.items() for k in intervals]
        self._kept_task = np.array([i for i, _ in kept], dtype=np.int64)
        self._kept_start = np.array([[k.start] for _, k in kept], dtype=np.float64)
        self._kept_end = np.array([[k.end] for _, k in kept], dtype=np.float64)
        tasks = problem.tasks
        self._weight = np.asarray(self.weight, dtype=np.float64)
        self._due = np.array([t.due if t.due is not None else 0 for t in tasks], np.float64)
        self._has_due = np.array([t.due is not None for t in tasks], dtype=bool)
        self._hard = np.array([t.difficulty >= HARD for t in tasks], dtype=bool)
        self._memo: dict[tuple[int, int, int], float] = {}
        # no minute of any task is worth more than this
        self.best_minute = max(self.weight, default=0.0) + DUE_BONUS + PEAK_BONUS + KEEP_BONUS

    def slot_value(self, i: int, start: int, end: int) -> float:
        """The sum of the per-minute values of task i over minutes start .. end - 1."""
        key = (i, start, end)
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = self._slot_value(i, start, end)
        return value

    def _slot_value(self, i: int, start: int, end: int) -> float:
        n = end - start
        if n <= 0:
            return 0.0
        task = self.tasks[i]
        total = self.weight[i] * (n - n * (start + end - 1) / (2 * DECAY_SPAN))
        due = task.due
        if due is not None:
            late_from = max(due, 0)
            on_time = _overlap(start, end, start, min(due - self.buffer, due))
            in_buffer = _overlap(start, end, due - self.buffer, due) if due > 0 else 0
            first_late = max(start, late_from)
            late = max(0, end - first_late)
            lateness = late * (first_late + end - 1) / 2 - late * late_from
            total += DUE_BONUS * (on_time + in_buffer) - BUFFER_PENALTY * in_buffer
            total += LATE_LEVEL * late - TARDINESS / DAY * lateness
        if task.difficulty >= HARD:
            total += PEAK_BONUS * sum(_overlap(start, end, p.start, p.end) for p in self.peak)
        for kept in self.previous.get(i, ()):
            total += KEEP_BONUS * _overlap(start, end, kept.start, kept.end)
        return total

    def matrix(self, starts: Sequence[int], ends: Sequence[int]) -> FloatArray:
        """Value of every task over every interval: shape (tasks, intervals).

        The same terms as `slot_value`, vectorised for the planner's search; the figure a
        plan reports is always summed with `slot_value`.
        """
        s = np.asarray(starts, dtype=np.float64)[None, :]
        e = np.asarray(ends, dtype=np.float64)[None, :]
        total = self._terms(np.arange(len(self.tasks))[:, None], s, e)
        if self._kept_task.size:
            # every slot of the current plan against every interval, added to its task's row
            overlap = np.minimum(e, self._kept_end) - np.maximum(s, self._kept_start)
            np.add.at(total, self._kept_task, KEEP_BONUS * np.clip(overlap, 0, None))
        return total

    def estimate(self, tasks: npt.NDArray[np.int64], start: float, ends: FloatArray) -> FloatArray:
        """Value of tasks[k] over [start, ends[k]), without the keep bonus (for choosing)."""
        return self._terms(tasks, np.full(ends.shape, float(start)), ends)

    def _terms(self, i: npt.NDArray[np.int64], s: FloatArray, e: FloatArray) -> FloatArray:
        weight = self._weight[i]
        due = self._due[i]
        n = e - s
        total = weight * (n - n * (s + e - 1) / (2 * DECAY_SPAN))
        late_from = np.maximum(due, 0)
        on_time = np.minimum(np.clip(np.minimum(e, due - self.buffer) - s, 0, None), n)
        in_buffer = np.clip(np.minimum(e, due) - np.maximum(s, due - self.buffer), 0, None)
        in_buffer = np.where(due > 0, in_buffer, 0)
        first_late = np.maximum(s, late_from)
        late = np.clip(e - first_late, 0, None)
        lateness = late * (first_late + e - 1) / 2 - late * late_from
        due_terms = (
            DUE_BONUS * (on_time + in_buffer)
            - BUFFER_PENALTY * in_buffer
            + LATE_LEVEL * late
            - TARDINESS / DAY * lateness
        )
        total = total + np.where(self._has_due[i], due_terms, 0.0)
        if self.peak:
            peak_minutes = sum(
                np.clip(np.minimum(e, p.end) - np.maximum(s, p.start), 0, None) for p in self.peak
            )
            total = total + PEAK_BONUS * np.where(self._hard[i], peak_minutes, 0.0)
        return np.asarray(total, dtype=np.float64)


def objective(problem: Problem, slots: Sequence[Slot]) -> float:
    """The value of a plan: the sum of `ValueModel.slot_value` over its TASK slots."""
    model = ValueModel(problem)
    total = 0.0
    for slot in slots:
        if slot.kind is SlotKind.TASK and slot.task is not None and slot.task in model.index:
            total += model.slot_value(model.index[slot.task], slot.start, slot.end)
    return total
