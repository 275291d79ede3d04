"""Actors for bench/jobs.py, loaded into the workers through EXTRA_ACTOR_MODULES."""

from __future__ import annotations

import uuid

import dramatiq

from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.models.jobs import Job
from resolvers.jobs import Progress, run_job
from workers.runtime import ledger_of, retry_options, session_factory_of

JOB_ACTOR = "bench.trivial_job"
RAW_ACTOR = "bench.empty"
RAW_DONE_KEY = "bench:empty:done"


def declare(broker: dramatiq.Broker, settings: Settings) -> None:
    async def trivial_job(job_id: str) -> None:
        async def nothing(_uow: UnitOfWork, _job: Job, _progress: Progress) -> dict[str, bool]:
            return {"ok": True}

        await run_job(session_factory_of(broker), uuid.UUID(job_id), nothing, ledger_of(broker))

    def empty() -> None:
        # Counted so the bench knows when the queue is drained; one INCR is all it does.
        broker.client.incr(RAW_DONE_KEY)  # type: ignore[attr-defined]

    dramatiq.actor(actor_name=JOB_ACTOR, broker=broker, **retry_options(settings))(trivial_job)
    dramatiq.actor(actor_name=RAW_ACTOR, broker=broker, max_retries=0)(empty)
