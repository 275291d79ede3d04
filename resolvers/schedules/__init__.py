"""Schedules: the planner's input and output, replanning by itself, the owner's changes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from core.domain_events import subscribe, unsubscribe
from resolvers.schedules import planning, triggers
from resolvers.study_events import (
    FocusSessionCompleted,
    GoalChanged,
    TaskAdded,
    TaskChanged,
    TaskCompleted,
    TaskSkipped,
)
from resolvers.users import PlanningPreferencesChanged

_HANDLERS = (
    (TaskCompleted, triggers.on_task_completed),
    (TaskSkipped, triggers.on_task_skipped),
    (TaskAdded, triggers.on_task_added),
    (GoalChanged, triggers.on_goal_changed),
    (TaskChanged, triggers.on_task_changed),
    (PlanningPreferencesChanged, triggers.on_preferences_changed),
    (FocusSessionCompleted, triggers.on_focus_session_completed),
)
_depth: list[int] = []


@contextlib.contextmanager
def installed(replan_debounce_ms: int) -> Iterator[None]:
    """Lets changes to tasks, goals and preferences replan (after `replan_debounce_ms`)
    for the block's duration; nested blocks subscribe once."""
    if not _depth:
        for kind, handler in _HANDLERS:
            subscribe(kind, handler)  # type: ignore[arg-type]
    _depth.append(replan_debounce_ms)
    planning.debounce.delay_ms = replan_debounce_ms
    try:
        yield
    finally:
        _depth.pop()
        if _depth:
            planning.debounce.delay_ms = _depth[-1]
        else:
            for kind, handler in _HANDLERS:
                unsubscribe(kind, handler)  # type: ignore[arg-type]
