"""Schedule actors: planning on the `ml` queue, and the nightly plans."""

from __future__ import annotations

import uuid
from datetime import timedelta

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from core.settings import Settings
from db.models.jobs import Job
from resolvers.schedules.planning import (
    PLAN_ACTOR,
    Computed,
    compute,
    load_for_job,
    plan_nights,
    store_plan,
)
from workers import scheduler
from workers.runtime import retry_options, run_cpu_job, session_factory_of

NIGHTS_ACTOR = "schedules.plan_nights"


def declare(broker: dramatiq.Broker, settings: Settings) -> None:
    def plan(job_id: str) -> None:
        """Plain `def`: the planner is CPU-bound and must not hold the shared event loop."""

        def load_and_solve(job: Job) -> Computed:
            loop = get_event_loop_thread()
            assert loop is not None  # run_cpu_job has checked it
            return compute(loop.run_coroutine(load_for_job(session_factory_of(broker), job)))

        run_cpu_job(broker, uuid.UUID(job_id), load_and_solve, store_plan)

    async def nights() -> None:
        await plan_nights(session_factory_of(broker))

    dramatiq.actor(
        actor_name=PLAN_ACTOR,
        broker=broker,
        queue_name="ml",
        on_retry_exhausted="jobs.mark_failed",
        **retry_options(settings),
    )(plan)
    nightly = dramatiq.actor(actor_name=NIGHTS_ACTOR, broker=broker, **retry_options(settings))(
        nights
    )
    scheduler.REGISTRY[NIGHTS_ACTOR] = scheduler.PeriodicJob(
        NIGHTS_ACTOR, timedelta(hours=1), lambda _period: nightly.send()
    )
