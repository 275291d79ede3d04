"""Gamification: points, levels, streaks, badges, leaderboards, leagues and rewards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import redis.asyncio as aioredis

from core.domain_events import subscribe
from resolvers.gamification import activity, runtime
from resolvers.study_events import FocusSessionCompleted, TaskCompleted

_subscribed = False


@contextlib.contextmanager
def installed(redis: aioredis.Redis) -> Iterator[None]:
    """Connects gamification to this process's domain events and to its Redis for the
    block's duration (an app started inside another's life restores the outer one's)."""
    global _subscribed
    if not _subscribed:
        subscribe(TaskCompleted, activity.on_task_completed)
        subscribe(FocusSessionCompleted, activity.on_focus_session_completed)
        _subscribed = True
    outer = runtime.current()
    runtime.use_redis(redis)
    try:
        yield
    finally:
        runtime.use_redis(outer)
