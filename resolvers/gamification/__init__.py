"""Gamification: points, levels, streaks, badges, leaderboards, leagues and rewards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import redis.asyncio as aioredis

from core.domain_events import subscribe, unsubscribe
from resolvers.gamification import activity, runtime
from resolvers.study_events import FocusSessionCompleted, TaskCompleted
from resolvers.users import AccountDeleted

_installed: list[aioredis.Redis] = []


@contextlib.contextmanager
def installed(redis: aioredis.Redis) -> Iterator[None]:
    """Connects gamification to this process's domain events and to its Redis for the
    block's duration. Nested blocks (an app started inside another's life) use the inner
    client until they end; the handlers stay subscribed until the outermost block ends."""
    if not _installed:
        subscribe(TaskCompleted, activity.on_task_completed)
        subscribe(FocusSessionCompleted, activity.on_focus_session_completed)
        subscribe(AccountDeleted, activity.on_account_deleted)
    _installed.append(redis)
    runtime.use_redis(redis)
    try:
        yield
    finally:
        _installed.remove(redis)
        runtime.use_redis(_installed[-1] if _installed else None)
        if not _installed:
            unsubscribe(TaskCompleted, activity.on_task_completed)
            unsubscribe(FocusSessionCompleted, activity.on_focus_session_completed)
            unsubscribe(AccountDeleted, activity.on_account_deleted)
