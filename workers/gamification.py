"""Gamification actors: the weekly league rollover, streaks at the end of users' days and
forgetting the idempotency keys of day-old redemptions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dramatiq

from core.settings import Settings
from resolvers.gamification.leagues import roll_over
from resolvers.gamification.rewards import forget_idempotency_keys
from resolvers.gamification.streaks import settle_streaks
from workers import scheduler
from workers.runtime import session_factory_of

ROLLOVER_ACTOR = "gamification.league_rollover"
STREAKS_ACTOR = "gamification.settle_streaks"
FORGET_KEYS_ACTOR = "gamification.forget_idempotency_keys"
# Hourly rather than weekly: the rollover settles every finished week still open, so the
# first run after Monday 00:00 UTC does the work, and a run lost to an outage is made up.
ROLLOVER_EVERY = timedelta(hours=1)


def declare(broker: dramatiq.Broker, settings: Settings) -> None:
    async def league_rollover() -> None:
        await roll_over(session_factory_of(broker))

    async def streak_check() -> None:
        await settle_streaks(session_factory_of(broker))

    async def forget_keys() -> None:
        await forget_idempotency_keys(session_factory_of(broker))

    options: dict[str, Any] = {
        "broker": broker,
        "queue_name": "default",
        "max_retries": settings.job_max_retries,
        "min_backoff": settings.job_min_backoff_ms,
        "max_backoff": settings.job_max_backoff_ms,
        "time_limit": settings.job_time_limit_ms,
    }
    streaks = dramatiq.actor(actor_name=STREAKS_ACTOR, **options)(streak_check)
    # Hourly: every time zone's day ends on an hour (or half hour, a little later).
    scheduler.REGISTRY[STREAKS_ACTOR] = scheduler.PeriodicJob(
        STREAKS_ACTOR, timedelta(hours=1), lambda _period: streaks.send()
    )
    rollover = dramatiq.actor(actor_name=ROLLOVER_ACTOR, **options)(league_rollover)
    scheduler.REGISTRY[ROLLOVER_ACTOR] = scheduler.PeriodicJob(
        ROLLOVER_ACTOR, ROLLOVER_EVERY, lambda _period: rollover.send()
    )
    # Hourly: a redemption's key is kept between 24 and 25 hours.
    forget = dramatiq.actor(actor_name=FORGET_KEYS_ACTOR, **options)(forget_keys)
    scheduler.REGISTRY[FORGET_KEYS_ACTOR] = scheduler.PeriodicJob(
        FORGET_KEYS_ACTOR, timedelta(hours=1), lambda _period: forget.send()
    )
