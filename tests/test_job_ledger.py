"""The job ledger batches the status changes of jobs run at once, and each caller still gets
exactly its own answer: its job, or that it had finished; a failed batch fails its callers
and the next one works; a cancelled caller does not cut short the others' batch."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.engine import create_engine
from db.models.jobs import Job, JobStatus
from db.repositories.job_ledger import JobLedger
from db.repositories.jobs import JobRepository
from resolvers.jobs import Progress, run_job
from tests.conftest import requires_postgres

pytestmark = requires_postgres
Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def worker_engine(settings: Settings, db: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """An engine of the worker role, so the ledger's connection can be told apart."""
    engine = create_engine(settings, role="worker")
    yield engine
    await engine.dispose()


@pytest.fixture
async def ledger(worker_engine: AsyncEngine) -> AsyncIterator[JobLedger]:
    ledger = JobLedger(worker_engine)
    yield ledger
    await ledger.close()


def checked_out(engine: AsyncEngine) -> int:
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


async def queued_jobs(factory: Factory, count: int) -> list[uuid.UUID]:
    async with UnitOfWork(factory) as uow:
        jobs = [
            await JobRepository(uow.session).create(owner_id=None, kind="TEST", actor="test.job")
            for _ in range(count)
        ]
        await uow.commit()
    return [job.id for job in jobs]


async def stored(factory: Factory, job_id: uuid.UUID) -> Job:
    async with factory() as session:
        job = await session.scalar(select(Job).where(Job.id == job_id))
    assert job is not None
    return job


async def test_jobs_started_together_share_one_statement_and_each_caller_gets_its_own(
    session_factory: Factory, ledger: JobLedger
) -> None:
    ids = await queued_jobs(session_factory, 20)
    started = await asyncio.gather(*(ledger.start(job_id) for job_id in ids))

    assert [job.id if job else None for job in started] == ids
    assert {(job.status, job.attempts, job.kind) for job in started if job} == {
        (JobStatus.RUNNING, 1, "TEST")
    }
    # One statement stamped them all with its one time.
    assert len({job.started_at for job in started if job}) == 1
    for job_id in ids:
        row = await stored(session_factory, job_id)
        assert (row.status, row.attempts) == (JobStatus.RUNNING, 1)


async def test_a_finished_or_unknown_job_does_not_start_and_a_redelivery_counts_again(
    session_factory: Factory, ledger: JobLedger
) -> None:
    done, running = await queued_jobs(session_factory, 2)
    assert await ledger.start(done) is not None
    assert await ledger.succeed(done, {"ok": True}) is True

    unknown = uuid.uuid4()
    first = await ledger.start(running)
    results = await asyncio.gather(ledger.start(done), ledger.start(unknown), ledger.start(running))

    assert results[:2] == [None, None]
    assert first is not None and results[2] is not None
    assert (first.attempts, results[2].attempts) == (1, 2)
    assert (await stored(session_factory, done)).attempts == 1


async def test_success_is_recorded_once_even_when_two_deliveries_finish_together(
    session_factory: Factory, ledger: JobLedger
) -> None:
    [job_id] = await queued_jobs(session_factory, 1)
    await ledger.start(job_id)

    finished = await asyncio.gather(
        ledger.succeed(job_id, {"delivery": 1}), ledger.succeed(job_id, {"delivery": 2})
    )
    late = await ledger.succeed(job_id, {"delivery": 3})

    assert sorted(finished) == [False, True]
    assert late is False
    row = await stored(session_factory, job_id)
    assert row.status == JobStatus.SUCCEEDED
    assert row.result in ({"delivery": 1}, {"delivery": 2})
    assert (row.progress, row.error, row.finished_at is not None) == (1.0, None, True)


async def terminate_worker_connections(factory: Factory) -> int:
    async with factory() as session:
        terminated = await session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'studygraph-worker' AND pid <> pg_backend_pid()"
            )
        )
    return int(terminated or 0)


async def test_a_connection_that_died_while_idle_is_replaced_before_the_batch(
    session_factory: Factory, worker_engine: AsyncEngine
) -> None:
    ledger = JobLedger(worker_engine, ping_after_idle_seconds=0)
    first, second = await queued_jobs(session_factory, 2)
    try:
        assert await ledger.start(first) is not None
        # The ledger's connection, the only one the worker engine holds.
        assert await terminate_worker_connections(session_factory) == 1

        job = await ledger.start(second)
        assert job is not None and job.attempts == 1
        assert checked_out(worker_engine) == 1  # the dead connection was given back
    finally:
        await ledger.close()


async def test_a_connection_that_died_unseen_fails_one_batch_and_the_next_reconnects(
    session_factory: Factory, ledger: JobLedger, worker_engine: AsyncEngine
) -> None:
    """Within a second of its last batch the connection is not pinged: the batch that finds
    it dead fails (its jobs are retried), and nothing is half done."""
    first, second = await queued_jobs(session_factory, 2)
    assert await ledger.start(first) is not None
    assert await terminate_worker_connections(session_factory) == 1

    with pytest.raises(Exception):  # noqa: B017 - whichever way asyncpg finds it dead
        await ledger.start(second)
    assert (await stored(session_factory, second)).status == JobStatus.QUEUED

    again = await ledger.start(second)
    assert again is not None and again.attempts == 1
    assert checked_out(worker_engine) == 1


async def test_a_cancelled_caller_leaves_the_batch_of_the_others_to_finish(
    session_factory: Factory, ledger: JobLedger
) -> None:
    cancelled_id, other_id = await queued_jobs(session_factory, 2)
    cancelled = asyncio.create_task(ledger.start(cancelled_id))
    other = asyncio.create_task(ledger.start(other_id))
    await asyncio.sleep(0)  # both have joined the batch
    cancelled.cancel()

    job = await other
    assert job is not None and job.id == other_id
    assert cancelled.cancelled()
    # Its change had left with the batch: it stands, and a redelivery counts a second try.
    assert (await stored(session_factory, cancelled_id)).status == JobStatus.RUNNING


async def test_closing_returns_the_connection(
    session_factory: Factory, worker_engine: AsyncEngine
) -> None:
    ledger = JobLedger(worker_engine)
    [job_id] = await queued_jobs(session_factory, 1)
    assert await ledger.start(job_id) is not None
    assert checked_out(worker_engine) == 1
    await ledger.close()
    assert checked_out(worker_engine) == 0


async def test_work_that_wrote_nothing_is_marked_by_the_ledger_and_work_that_wrote_commits_with_it(
    session_factory: Factory, ledger: JobLedger
) -> None:
    idle_id, writing_id, failing_id = await queued_jobs(session_factory, 3)
    written: list[uuid.UUID] = []

    async def nothing(uow: UnitOfWork, job: Job, progress: Progress) -> dict[str, Any]:
        assert not uow.used_database
        return {"idle": True}

    async def writes(uow: UnitOfWork, job: Job, progress: Progress) -> dict[str, Any]:
        created = await JobRepository(uow.session).create(owner_id=None, kind="X", actor="x")
        written.append(created.id)
        return {"wrote": str(created.id)}

    async def writes_then_fails(uow: UnitOfWork, job: Job, progress: Progress) -> dict[str, Any]:
        created = await JobRepository(uow.session).create(owner_id=None, kind="Y", actor="y")
        written.append(created.id)
        raise RuntimeError("the work failed after writing")

    await run_job(session_factory, idle_id, nothing, ledger)
    await run_job(session_factory, writing_id, writes, ledger)
    with pytest.raises(RuntimeError, match="after writing"):
        await run_job(session_factory, failing_id, writes_then_fails, ledger)

    idle, writing, failing = [
        await stored(session_factory, i) for i in (idle_id, writing_id, failing_id)
    ]
    assert (idle.status, idle.result) == (JobStatus.SUCCEEDED, {"idle": True})
    assert (writing.status, writing.result) == (JobStatus.SUCCEEDED, {"wrote": str(written[0])})
    assert (await stored(session_factory, written[0])).kind == "X"
    assert (failing.status, failing.attempts) == (JobStatus.RUNNING, 1)
    async with session_factory() as session:
        assert await session.get(Job, written[1]) is None  # rolled back with the failure

    async def must_not_run(uow: UnitOfWork, job: Job, progress: Progress) -> dict[str, Any]:
        raise AssertionError("a finished job ran again")

    await run_job(session_factory, writing_id, must_not_run, ledger)


async def test_each_batch_is_planned_for_itself_and_the_pool_gets_its_connection_back_as_lent(
    session_factory: Factory, worker_engine: AsyncEngine
) -> None:
    """A plan kept for good would be one made while the table was small: a sequential scan
    run over the whole table for every batch once it has grown."""
    ledger = JobLedger(worker_engine)
    [job_id] = await queued_jobs(session_factory, 1)
    assert await ledger.start(job_id) is not None
    driver = ledger._driver  # the ledger's own connection
    assert driver is not None
    assert await driver.fetchval("SHOW plan_cache_mode") == "force_custom_plan"
    await ledger.close()

    async with worker_engine.connect() as connection:  # the same one, from the pool
        setting = await connection.exec_driver_sql("SHOW plan_cache_mode")
        assert setting.scalar() == "auto"
