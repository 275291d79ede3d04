"""Account actors."""

from __future__ import annotations

import uuid

import dramatiq

from core.settings import Settings
from resolvers.exports import EXPORT_ACTOR, build_export
from resolvers.jobs import run_job
from workers.runtime import ledger_of, retry_options, session_factory_of


def declare(broker: dramatiq.Broker, settings: Settings) -> None:
    async def export_data(job_id: str) -> None:
        await run_job(
            session_factory_of(broker), uuid.UUID(job_id), build_export, ledger_of(broker)
        )

    dramatiq.actor(
        actor_name=EXPORT_ACTOR,
        broker=broker,
        queue_name="default",
        on_retry_exhausted="jobs.mark_failed",
        **retry_options(settings),
    )(export_data)
