"""Jobs: created in a unit of work, run by workers, read by their owner."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.unit_of_work import UnitOfWork
from db.models.jobs import Job, JobStatus
from db.repositories.jobs import JobRepository
from resolvers.access import Viewer, ensure_can_view, register_owned, require_viewer

log = logging.getLogger(__name__)

register_owned(Job, lambda job: job.owner_id)

Work = Callable[[async_sessionmaker[AsyncSession], Job], Awaitable[dict[str, Any]]]


async def create_job(uow: UnitOfWork, *, owner_id: uuid.UUID | None, kind: str, actor: str) -> Job:
    job = JobRepository(uow.session).add(Job(owner_id=owner_id, kind=kind, actor=actor))
    await uow.session.flush()
    uow.enqueue(actor, str(job.id))
    return job


async def get_job(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, job_id: uuid.UUID
) -> Job | None:
    require_viewer(viewer)
    async with session_factory() as session:
        job = await JobRepository(session).get(job_id)
    if job is not None:
        ensure_can_view(viewer, job)
    return job


async def run_job(
    session_factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID, work: Work
) -> None:
    """Runs a job's work once: a redelivered message of a finished job does nothing.

    An exception propagates so the broker retries; when retries run out, `fail_job` marks
    the job FAILED.
    """
    async with UnitOfWork(session_factory) as uow:
        job = await JobRepository(uow.session).start(job_id, datetime.now(UTC))
        await uow.commit()
    if job is None:
        log.info("job already finished; message ignored", extra={"job_id": str(job_id)})
        return
    result = await work(session_factory, job)
    async with UnitOfWork(session_factory) as uow:
        await JobRepository(uow.session).finish(
            job_id, datetime.now(UTC), status=JobStatus.SUCCEEDED, result=result
        )
        await uow.commit()


async def fail_job(
    session_factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID, error: str
) -> None:
    async with UnitOfWork(session_factory) as uow:
        await JobRepository(uow.session).finish(
            job_id, datetime.now(UTC), status=JobStatus.FAILED, error=error[:2000]
        )
        await uow.commit()
