"""Social actors: naming the winners of challenges that have ended."""

from __future__ import annotations

from datetime import timedelta

import dramatiq

from core.settings import Settings
from resolvers.social.challenges import settle_challenges
from workers import scheduler
from workers.runtime import retry_options, session_factory_of

SETTLE_ACTOR = "social.settle_challenges"


def declare(broker: dramatiq.Broker, settings: Settings) -> None:
    async def settle() -> None:
        await settle_challenges(session_factory_of(broker))

    actor = dramatiq.actor(actor_name=SETTLE_ACTOR, broker=broker, **retry_options(settings))(
        settle
    )
    # Hourly: a challenge is settled within the hour after it ends, and a run lost to an
    # outage is made up by the next (settling is once per challenge).
    scheduler.REGISTRY[SETTLE_ACTOR] = scheduler.PeriodicJob(
        SETTLE_ACTOR, timedelta(hours=1), lambda _period: actor.send()
    )
