"""Account actors."""

from __future__ import annotations

import uuid

import dramatiq

from resolvers.exports import EXPORT_ACTOR, build_export
from resolvers.jobs import run_job
from workers.runtime import session_factory_of


def declare(broker: dramatiq.Broker) -> None:
    async def export_data(job_id: str) -> None:
        await run_job(session_factory_of(broker), uuid.UUID(job_id), build_export)

    dramatiq.actor(
        actor_name=EXPORT_ACTOR,
        broker=broker,
        queue_name="default",
        max_retries=3,
        min_backoff=1_000,
        max_backoff=60_000,
        time_limit=120_000,
        on_failure="jobs.mark_failed",
    )(export_data)
