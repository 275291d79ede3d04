"""What the planner is given and what it returns: plain values on one integer timeline.

Times are whole minutes counted from the plan's origin (minute 0 is "now", the start of
the horizon). The planner knows nothing of dates, time zones or the database: the caller
turns a user's study windows, tasks and current plan into a `Problem` and maps the `Plan`
back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class SlotKind(enum.StrEnum):
    TASK = "TASK"
    BREAK = "BREAK"
    BUFFER = "BUFFER"
    REVIEW = "REVIEW"


class RiskCode(enum.StrEnum):
    NOT_ENOUGH_TIME = "NOT_ENOUGH_TIME"  # too little free study time before the due date
    DEPENDENCY_LATE = "DEPENDENCY_LATE"  # what it depends on cannot finish early enough
    OVERDUE = "OVERDUE"  # due before the plan starts
    NO_STUDY_WINDOWS = "NO_STUDY_WINDOWS"  # the user has no study time in the horizon


@dataclass(frozen=True, slots=True)
class Interval:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PlanTask:
    key: str
    minutes: int  # still to place, > 0 (locked slots already subtracted)
    priority: float  # the goal's weight (LOW 1, MEDIUM 2, HIGH 3; no goal 1)
    difficulty: int  # 1 easy, 2 medium, 3 hard
    due: int | None = None  # minute it is due; may lie before 0 or beyond the horizon
    depends_on: tuple[str, ...] = ()  # keys of unfinished tasks, in this problem or locked
    goal: str | None = None  # for variety across goals


@dataclass(frozen=True, slots=True)
class Placement:
    """A task's time on the timeline: a locked slot, or a slot of the current plan."""

    task: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PlanRules:
    max_chunk: int  # the user's session length
    min_chunk: int  # no chunk shorter than this (unless the task's rest is shorter)
    break_minutes: int  # between two chunks that follow each other in one window
    buffer_minutes: int = 0  # wanted free time between a task's last chunk and its due


@dataclass(frozen=True, slots=True)
class Problem:
    horizon: int  # minutes; nothing is placed at or after it
    windows: tuple[Interval, ...]  # free study time: sorted, disjoint, within [0, horizon)
    tasks: tuple[PlanTask, ...]
    rules: PlanRules
    locked: tuple[Placement, ...] = ()  # never moved; other slots never overlap them
    previous: tuple[Placement, ...] = ()  # the current plan, kept where possible
    peak: tuple[Interval, ...] = ()  # the user's peak hours; empty when history is thin


@dataclass(frozen=True, slots=True)
class Slot:
    kind: SlotKind
    start: int
    end: int
    task: str | None  # None for BREAK and BUFFER
    reason: str  # a sentence a student can read: why this slot is here


@dataclass(frozen=True, slots=True)
class Risk:
    task: str
    code: RiskCode
    reason: str  # a sentence a student can read, with the figures behind it


@dataclass(frozen=True, slots=True)
class Plan:
    slots: tuple[Slot, ...]  # sorted by start; locked slots are not repeated here
    at_risk: tuple[Risk, ...] = ()
    objective: float = 0.0
