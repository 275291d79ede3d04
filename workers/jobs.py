"""Job bookkeeping actors."""

from __future__ import annotations

import uuid
from typing import Any

import dramatiq

from resolvers.jobs import fail_job
from workers.runtime import session_factory_of


def declare(broker: dramatiq.Broker) -> None:
    async def mark_failed(message: dict[str, Any], exception: dict[str, Any]) -> None:
        """Dramatiq's on_failure callback: the job's retries are exhausted."""
        job_id = uuid.UUID(message["args"][0])
        error = f"{exception.get('type', 'Error')}: {exception.get('message', '')}"
        await fail_job(session_factory_of(broker), job_id, error)

    dramatiq.actor(actor_name="jobs.mark_failed", broker=broker, max_retries=5)(mark_failed)
