"""Live-event actors: forgetting logged events older than the replay window."""

from __future__ import annotations

from datetime import timedelta

import dramatiq

from core.settings import Settings
from resolvers.live import prune_events
from workers import scheduler
from workers.runtime import session_factory_of

PRUNE_ACTOR = "live.prune_events"


def declare(broker: dramatiq.Broker, settings: Settings) -> None:
    async def prune() -> None:
        await prune_events(
            session_factory_of(broker), keep=timedelta(days=settings.event_keep_days)
        )

    actor = dramatiq.actor(
        actor_name=PRUNE_ACTOR,
        broker=broker,
        queue_name="default",
        max_retries=settings.job_max_retries,
        time_limit=settings.job_time_limit_ms,
    )(prune)
    scheduler.REGISTRY[PRUNE_ACTOR] = scheduler.PeriodicJob(
        PRUNE_ACTOR, timedelta(hours=1), lambda _period: actor.send()
    )
