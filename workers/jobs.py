"""Job bookkeeping: failures after the last retry, and the sweep for lost messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq

from core.settings import Settings
from resolvers.jobs import fail_job, resend_stale
from workers import scheduler
from workers.runtime import session_factory_of

SWEEP_ACTOR = "jobs.sweep_stale"


def declare(broker: dramatiq.Broker, settings: Settings) -> None:
    async def mark_failed(message: dict[str, Any], retries: dict[str, Any]) -> None:
        """Dramatiq's on_retry_exhausted callback: the job failed for the last time."""
        job_id = uuid.UUID(message["args"][0])
        trace = str(message.get("options", {}).get("traceback", "")).strip().splitlines()
        error = trace[-1] if trace else f"failed after {retries.get('retries')} retries"
        await fail_job(session_factory_of(broker), job_id, error)

    async def sweep_stale() -> None:
        await resend_stale(
            session_factory_of(broker),
            older_than=datetime.now(UTC) - timedelta(seconds=settings.job_stale_after_seconds),
        )

    dramatiq.actor(actor_name="jobs.mark_failed", broker=broker, max_retries=5)(mark_failed)
    sweep = dramatiq.actor(actor_name=SWEEP_ACTOR, broker=broker, max_retries=0)(sweep_stale)
    scheduler.REGISTRY[SWEEP_ACTOR] = scheduler.PeriodicJob(
        SWEEP_ACTOR,
        timedelta(seconds=settings.job_sweep_every_seconds),
        lambda _period: sweep.send(),
    )
