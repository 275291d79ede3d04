"""Social: friends, study groups and challenges."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from core.domain_events import subscribe, unsubscribe
from resolvers.social import challenges
from resolvers.study_events import FocusSessionCompleted, TaskCompleted

_depth = 0


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Moves challenge progress on this process's study events for the block's duration.
    Enter it after gamification's: a STREAK_DAYS challenge reads the streak it records."""
    global _depth
    if _depth == 0:
        subscribe(TaskCompleted, challenges.on_task_completed)
        subscribe(FocusSessionCompleted, challenges.on_focus_session_completed)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            unsubscribe(TaskCompleted, challenges.on_task_completed)
            unsubscribe(FocusSessionCompleted, challenges.on_focus_session_completed)
