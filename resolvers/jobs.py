"""Jobs: created in a unit of work, run by workers, read by their owner."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.event_bus import current_bus
from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.engine import create_engine
from db.models.jobs import Job, JobStatus
from db.repositories.job_ledger import JobLedger, attach, ledger_for
from db.repositories.jobs import JobRepository
from resolvers.access import Viewer, load_visible, register_owned
from resolvers.live import job_channel, tell, tell_now

log = logging.getLogger(__name__)

register_owned(Job, lambda job: job.owner_id)

JOB_UPDATED = "jobUpdated"
# Reports how far a running job is, from 0 to 1.
Progress = Callable[[float], Awaitable[None]]
# A job's work: it writes its effect in the given unit of work, which also marks the job
# SUCCEEDED, so the effect and the status commit together (or not at all).
Work = Callable[[UnitOfWork, Job, Progress], Awaitable[dict[str, Any]]]


@asynccontextmanager
async def job_ledger(settings: Settings, engine: AsyncEngine) -> AsyncIterator[JobLedger | None]:
    """A job ledger for `engine` while the block runs (on PostgreSQL; None on SQLite): the
    units of work that only start a job write it there. It holds its one connection from
    an engine of its own, outside the pool requests share."""
    if settings.is_sqlite:
        yield None
        return
    own = create_engine(settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0}))
    ledger = attach(engine, JobLedger(own))
    try:
        yield ledger
    finally:
        await ledger.close()
        await own.dispose()


async def create_job(
    uow: UnitOfWork,
    *,
    owner_id: uuid.UUID | None,
    kind: str,
    actor: str,
    delay_ms: int = 0,
) -> Job:
    job = JobRepository.new(owner_id=owner_id, kind=kind, actor=actor)
    ledger = ledger_for(uow.engine)
    # A unit that writes nothing else (a request that only starts a job) commits the row
    # through the process's job ledger: one statement for the jobs of many such units.
    held = ledger is not None and uow.hold_write(
        partial(ledger.create, job), JobRepository.insert_on(job)
    )
    if not held:
        await JobRepository(uow.session).insert(job)
    uow.enqueue(actor, str(job.id), delay_ms=delay_ms)
    return job


async def get_job(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, job_id: uuid.UUID
) -> Job | None:
    return await load_visible(session_factory, viewer, JobRepository, job_id)


async def run_job(
    session_factory: async_sessionmaker[AsyncSession],
    job_id: uuid.UUID,
    work: Work,
    ledger: JobLedger | None = None,
) -> None:
    """Runs a job's work so that its effect is applied once, however often it is delivered.

    A worker killed mid-job leaves nothing committed and the redelivered message starts
    again; a message redelivered after the commit finds the job finished and does nothing.
    An exception propagates so the broker retries; when retries run out, `fail_job`
    marks the job FAILED. A worker on PostgreSQL passes its ledger, which batches the
    status changes of the jobs it runs at once.
    """
    job = await start_job(session_factory, job_id, ledger)
    if job is not None:
        await complete_job(session_factory, job, work, ledger)


async def start_job(
    session_factory: async_sessionmaker[AsyncSession],
    job_id: uuid.UUID,
    ledger: JobLedger | None = None,
) -> Job | None:
    """Marks the job RUNNING; None when it has finished already or is gone."""
    if ledger is not None:
        job = await ledger.start(job_id)
        if job is not None:
            await announce_now(job.id, JobStatus.RUNNING)
    else:
        async with UnitOfWork(session_factory) as uow:
            jobs = JobRepository(uow.session)
            # Losing this RUNNING mark in a crash costs nothing (the job runs again), so it
            # need not wait for the disk.
            await jobs.relax_durability()
            job = await jobs.start(job_id, datetime.now(UTC))
            if job is not None:
                announce(uow, job.id, JobStatus.RUNNING)
            await uow.commit()
    if job is None:
        log.info("job already finished or gone; message ignored", extra={"job_id": str(job_id)})
    return job


async def complete_job(
    session_factory: async_sessionmaker[AsyncSession],
    job: Job,
    work: Work,
    ledger: JobLedger | None = None,
) -> None:
    """Runs the work and marks the job SUCCEEDED in the same commit."""

    async def progress(fraction: float) -> None:
        await report_progress(session_factory, job.id, fraction)

    async with UnitOfWork(session_factory) as uow:
        result = await work(uow, job, progress)
        if ledger is not None and not uow.used_database:
            # The work's effect, if any, is outside the database: SUCCEEDED is the only
            # write left, and the ledger commits it with other jobs'.
            finished = await ledger.succeed(job.id, result)
        else:
            finished = await JobRepository(uow.session).finish(
                job.id, datetime.now(UTC), status=JobStatus.SUCCEEDED, result=result
            )
        if not finished:  # a concurrent delivery finished it first: keep its effect only
            return
        announce(uow, job.id, JobStatus.SUCCEEDED)
        await uow.commit()


async def report_progress(
    session_factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID, fraction: float
) -> None:
    """Commits a running job's progress on its own, so `job(id)` shows it while the work's
    transaction is still open; values outside 0 to 1 are clamped."""
    async with UnitOfWork(session_factory) as uow:
        await JobRepository(uow.session).advance(
            job_id, min(1.0, max(0.0, fraction)), datetime.now(UTC)
        )
        announce(uow, job_id, JobStatus.RUNNING)
        await uow.commit()


async def fail_job(
    session_factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID, error: str
) -> None:
    async with UnitOfWork(session_factory) as uow:
        await JobRepository(uow.session).finish(
            job_id, datetime.now(UTC), status=JobStatus.FAILED, error=error[:2000]
        )
        announce(uow, job_id, JobStatus.FAILED)
        await uow.commit()


async def follow_job(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    job_id: uuid.UUID,
    on_drop: Callable[[], None] | None = None,
) -> AsyncIterator[Job]:
    """The job as it is now, then each time it changes, until it has ended."""
    async with current_bus().subscribe(job_channel(job_id), on_drop) as feed:
        last: tuple[Any, ...] | None = None
        while True:
            # Read after subscribing: a change committed in between is seen either way.
            job = await get_job(session_factory, viewer, job_id)
            if job is None:
                raise UserInputError("No such job", code="NOT_FOUND", field="id")
            state = (job.status, job.progress, job.attempts, job.finished_at)
            if state != last:
                last = state
                yield job
            if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                return
            await feed.get()  # an update, or a reconnection after which we read afresh


def announce(uow: UnitOfWork, job_id: uuid.UUID, status: JobStatus) -> None:
    """Tells `jobUpdated` subscribers the job changed; they read it afresh, so the event is
    only a wake-up call and is not logged."""
    tell(uow, job_channel(job_id), JOB_UPDATED, {"status": status}, logged=False)


async def announce_now(job_id: uuid.UUID, status: JobStatus) -> None:
    """`announce` for a change the job ledger has committed."""
    await tell_now(job_channel(job_id), JOB_UPDATED, {"status": status})


async def resend_stale(
    session_factory: async_sessionmaker[AsyncSession], *, older_than: datetime, limit: int = 500
) -> int:
    """Sends again the message of every job still QUEUED since before `older_than`.

    Repairs a crash between a job's commit and its send; a duplicate is harmless because
    `run_job` applies a job's effect once.
    """
    async with UnitOfWork(session_factory) as uow:
        jobs = JobRepository(uow.session)
        stale = await jobs.stale(older_than, limit)
        await jobs.touch([job.id for job in stale], datetime.now(UTC))
        for job in stale:
            uow.enqueue(job.actor, str(job.id))
        await uow.commit()
    if stale:
        log.warning("re-sent stale jobs", extra={"count": len(stale)})
    return len(stale)
