"""A unit of work that only starts a job writes it through the process's job ledger: the
jobs of units committing at once share one statement, each committed before its message
is sent; a unit that writes anything else keeps its job in its own transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import QueuePool

from core import unit_of_work
from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.models.jobs import DataExport, Job, JobStatus
from db.repositories.job_ledger import JobLedger
from resolvers.exports import EXPORT_ACTOR, EXPORT_KIND
from resolvers.jobs import create_job, job_ledger
from tests.accounts import register
from tests.conftest import requires_postgres, serve_app
from tests.factories import user
from workers.broker import create_broker

pytestmark = requires_postgres
Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def ledger(settings: Settings, db: AsyncEngine) -> AsyncIterator[JobLedger]:
    async with job_ledger(settings, db) as attached:
        assert attached is not None
        yield attached


@pytest.fixture
def sent(settings: Settings) -> Iterator[list[str]]:
    """The ids of the jobs whose messages this process sends, on their way to the broker."""
    broker = create_broker(settings)
    previous = unit_of_work._job_messages
    ids: list[str] = []

    def send(actor_name: str, job_id: str, delay_ms: int) -> None:
        ids.append(job_id)
        broker.get_actor(actor_name).send_with_options(args=(job_id,), delay=delay_ms or None)

    unit_of_work.set_job_sender(send)
    yield ids
    unit_of_work.set_job_sender(None if previous is None else previous.sender)


def checked_out(engine: AsyncEngine) -> int:
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


async def start_export(factory: Factory, owner: uuid.UUID | None) -> Job:
    async with UnitOfWork(factory) as uow:
        job = await create_job(uow, owner_id=owner, kind=EXPORT_KIND, actor=EXPORT_ACTOR)
        await uow.commit()
    return job


async def writers(factory: Factory, ids: list[uuid.UUID]) -> list[str]:
    """The transaction that wrote each job (rows written together share it)."""
    async with factory() as session:
        rows = await session.execute(
            select(Job.id, text("jobs.xmin::text")).where(Job.id.in_(ids)).order_by(Job.id)
        )
        found = {job_id: writer for job_id, writer in rows}
    assert set(found) == set(ids)
    return [found[job_id] for job_id in ids]


async def test_units_that_only_start_a_job_share_one_statement_outside_the_pool(
    session_factory: Factory, db: AsyncEngine, ledger: JobLedger, sent: list[str]
) -> None:
    jobs = await asyncio.gather(*(start_export(session_factory, None) for _ in range(30)))

    ids = [job.id for job in jobs]
    assert len(set(await writers(session_factory, ids))) == 1
    assert sorted(sent) == sorted(str(job_id) for job_id in ids)
    async with session_factory() as session:
        stored = {job.id: job for job in await session.scalars(select(Job))}
    for job in jobs:
        row = stored[job.id]
        assert (row.kind, row.actor, row.status) == (EXPORT_KIND, EXPORT_ACTOR, JobStatus.QUEUED)
        assert (row.progress, row.attempts, row.result, row.error) == (0.0, 0, None, None)
        assert (row.created_at, row.updated_at) == (job.created_at, job.created_at)
        assert (row.started_at, row.finished_at) == (None, None)
    # The requests' pool lent no connection: the ledger holds one of its own engine's.
    assert checked_out(db) == 0


async def test_a_unit_that_writes_more_keeps_its_jobs_in_its_transaction(
    session_factory: Factory, ledger: JobLedger, sent: list[str]
) -> None:
    async with UnitOfWork(session_factory) as uow:
        job = await create_job(uow, owner_id=None, kind=EXPORT_KIND, actor=EXPORT_ACTOR)
        other = await create_job(uow, owner_id=None, kind=EXPORT_KIND, actor=EXPORT_ACTOR)
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        # The job is held back, then the unit writes a row that refers to it: the job
        # goes first, in the same transaction.
        exported = await create_job(uow, owner_id=None, kind=EXPORT_KIND, actor=EXPORT_ACTOR)
        assert uow.used_database
        owner = await register_user(uow.session)
        uow.session.add(
            DataExport(
                user_id=owner,
                job_id=exported.id,
                content=None,
                expires_at=exported.created_at + timedelta(days=1),
            )
        )
        await uow.commit()

    first, second, third = await writers(session_factory, [job.id, other.id, exported.id])
    assert first == second
    async with session_factory() as session:
        export_writer = await session.scalar(
            select(text("data_exports.xmin::text")).select_from(DataExport)
        )
    assert third == export_writer != first
    assert sent == [str(job.id), str(other.id), str(exported.id)]


async def register_user(session: AsyncSession) -> uuid.UUID:
    student = user()
    session.add(student)
    await session.flush()
    return student.id


async def test_a_unit_left_without_committing_writes_and_sends_nothing(
    session_factory: Factory, ledger: JobLedger, sent: list[str]
) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with UnitOfWork(session_factory) as uow:
            await create_job(uow, owner_id=None, kind=EXPORT_KIND, actor=EXPORT_ACTOR)
            raise RuntimeError("changed my mind")
    async with UnitOfWork(session_factory) as uow:
        await create_job(uow, owner_id=None, kind=EXPORT_KIND, actor=EXPORT_ACTOR)

    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == 0
    assert sent == []


async def test_a_job_whose_owner_is_gone_fails_alone(
    session_factory: Factory, ledger: JobLedger, sent: list[str]
) -> None:
    async with UnitOfWork(session_factory) as uow:
        owner = await register_user(uow.session)
        await uow.commit()
    gone = uuid.uuid4()
    owners = [owner] * 4 + [gone] + [owner] * 4

    results = await asyncio.gather(
        *(start_export(session_factory, who) for who in owners), return_exceptions=True
    )

    failed = results[4]
    assert isinstance(failed, Exception) and getattr(failed, "sqlstate", None) == "23503"
    jobs = [result for result in results if isinstance(result, Job)]
    assert len(jobs) == 8
    async with session_factory() as session:
        stored = set(await session.scalars(select(Job.id)))
    assert stored == {job.id for job in jobs}
    assert sorted(sent) == sorted(str(job.id) for job in jobs)


async def test_the_api_writes_a_job_it_only_starts_through_its_ledger(
    settings: Settings, db: AsyncEngine, session_factory: Factory, sent: list[str]
) -> None:
    async with serve_app(settings) as client:
        account = await register(client)
        response = await client.post(
            "/graphql",
            json={"query": "mutation { exportMyData { job { status } errors { code } } }"},
            headers=account.headers,
        )
        payload = response.json()["data"]["exportMyData"]
        assert (payload["job"], payload["errors"]) == ({"status": "QUEUED"}, [])
        # The last statement of each connection: one ran the ledger's batch, and no other
        # connection wrote a job.
        async with session_factory() as session:
            last = list(
                await session.scalars(
                    text(
                        "SELECT query FROM pg_stat_activity "
                        "WHERE datname = current_database() AND query LIKE 'INSERT INTO jobs%'"
                    )
                )
            )
    assert len(last) == 1 and "unnest" in last[0]
    async with session_factory() as session:
        job = await session.scalar(select(Job))
    assert job is not None and (job.kind, job.status) == (EXPORT_KIND, JobStatus.QUEUED)
    assert sent == [str(job.id)]
