"""Diagnostic actors for the worker tests, loaded through EXTRA_ACTOR_MODULES.

`probe.sleep(job_id, seconds)` is an ordinary job: it takes `seconds`, then writes one
PROBE_EFFECT job row in the same transaction that marks its job SUCCEEDED, so the tests
can count how often its effect was applied. `probe.crunch(job_id, size)` is a plain-`def`
actor of the `ml` queue: numpy in the worker thread, its result committed with SUCCEEDED.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import dramatiq
import numpy

from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.models.jobs import Job, JobStatus
from db.repositories.jobs import JobRepository
from resolvers.jobs import Progress, run_job
from workers.runtime import notification_options, retry_options, run_cpu_job, session_factory_of

PROBE_ACTOR = "probe.sleep"
# The same work on the notifications queue, with its message age limit.
REMINDER_ACTOR = "probe.remind"
EFFECT_KIND = "PROBE_EFFECT"
CRUNCH_ACTOR = "probe.crunch"


def declare(broker: dramatiq.Broker, settings: Settings) -> None:
    async def probe(job_id: str, seconds: float) -> None:
        async def work(uow: UnitOfWork, job: Job, progress: Progress) -> dict[str, float]:
            await asyncio.sleep(seconds)
            JobRepository(uow.session).add(
                Job(owner_id=None, kind=EFFECT_KIND, actor="-", status=JobStatus.SUCCEEDED)
            )
            return {"slept": seconds}

        await run_job(session_factory_of(broker), uuid.UUID(job_id), work)

    dramatiq.actor(
        actor_name=PROBE_ACTOR,
        broker=broker,
        on_retry_exhausted="jobs.mark_failed",
        **retry_options(settings),
    )(probe)
    dramatiq.actor(actor_name=REMINDER_ACTOR, broker=broker, **notification_options(settings))(
        probe
    )

    def crunch(job_id: str, size: int) -> None:
        def compute(_job: Job) -> dict[str, Any]:
            matrix = numpy.arange(size * size, dtype=float).reshape(size, size)
            return {
                "trace": float(numpy.trace(matrix @ matrix)),
                "thread": threading.current_thread().name,
            }

        async def store(uow: UnitOfWork, _job: Job, computed: dict[str, Any]) -> dict[str, Any]:
            JobRepository(uow.session).add(
                Job(owner_id=None, kind=EFFECT_KIND, actor="-", status=JobStatus.SUCCEEDED)
            )
            loop = type(asyncio.get_running_loop())
            return computed | {
                "storedOn": threading.current_thread().name,
                "loop": f"{loop.__module__}.{loop.__qualname__}",
            }

        run_cpu_job(broker, uuid.UUID(job_id), compute, store)

    dramatiq.actor(
        actor_name=CRUNCH_ACTOR,
        broker=broker,
        queue_name="ml",
        on_retry_exhausted="jobs.mark_failed",
        **retry_options(settings),
    )(crunch)
