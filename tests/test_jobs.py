"""W3, W6, the stale-job sweep and two schedulers: jobs are neither lost nor doubled."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dramatiq
import httpx
import pytest
from dramatiq import get_broker
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import unit_of_work
from core.ids import from_global_id
from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.models.jobs import DataExport, Job, JobStatus
from db.repositories.jobs import JobRepository
from resolvers.exports import EXPORT_ACTOR, EXPORT_KIND
from resolvers.jobs import Progress, create_job, report_progress, resend_stale, run_job
from resolvers.schedules.planning import PLAN_ACTOR
from tests.accounts import register
from tests.conftest import TEST_REDIS_URL, make_settings, serve_app
from tests.worker_probes import CRUNCH_ACTOR
from workers.broker import create_broker
from workers.embedded import in_process_workers
from workers.gamification import FORGET_KEYS_ACTOR, ROLLOVER_ACTOR, STREAKS_ACTOR
from workers.schedules import NIGHTS_ACTOR
from workers.social import SETTLE_ACTOR


@pytest.fixture
def quick_settings(settings: Settings) -> Settings:
    """The database and Redis under test, with retries short enough to watch."""
    return make_settings(
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        job_max_retries=2,
        job_min_backoff_ms=50,
        job_max_backoff_ms=100,
    )


@pytest.fixture
async def worker_app(quick_settings: Settings, db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(quick_settings, [in_process_workers]) as client:
        yield client


async def job_status(factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> Job:
    async with factory() as session:
        job = await session.get(Job, job_id)
    assert job is not None
    return job


async def wait_until_finished(factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> Job:
    for _ in range(300):
        job = await job_status(factory, job_id)
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job.status}")


async def count(factory: async_sessionmaker[AsyncSession], model: type) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def user_uuid(global_id: str) -> uuid.UUID:
    return from_global_id(global_id)[1]


async def test_w6_commit_runs_once_rollback_never(
    worker_app: httpx.AsyncClient,
    session_factory: async_sessionmaker[AsyncSession],
    request: pytest.FixtureRequest,
) -> None:
    owner = user_uuid((await register(worker_app)).id)
    # Every message the process sends, noted on its way to the real broker.
    sent: list[tuple[str, str]] = []
    messages = unit_of_work._job_messages
    assert messages is not None
    send = messages.sender

    def noting(actor: str, job_id: str, delay_ms: int) -> None:
        sent.append((actor, job_id))
        send(actor, job_id, delay_ms)

    unit_of_work.set_job_sender(noting)
    request.addfinalizer(lambda: unit_of_work.set_job_sender(send))

    with pytest.raises(RuntimeError, match="changed my mind"):
        async with UnitOfWork(session_factory) as uow:
            await create_job(uow, owner_id=owner, kind=EXPORT_KIND, actor=EXPORT_ACTOR)
            raise RuntimeError("changed my mind")
    assert sent == []

    async with UnitOfWork(session_factory) as uow:
        job = await create_job(uow, owner_id=owner, kind=EXPORT_KIND, actor=EXPORT_ACTOR)
        assert sent == []  # not before the commit
        await uow.commit()
    assert sent == [(EXPORT_ACTOR, str(job.id))]
    finished = await wait_until_finished(session_factory, job.id)
    assert (finished.status, finished.attempts) == (JobStatus.SUCCEEDED, 1)
    assert await count(session_factory, Job) == 1
    assert await count(session_factory, DataExport) == 1


async def test_w3_poison_message_ends_failed_and_dead_lettered(
    worker_app: httpx.AsyncClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    # An export job without an owner fails every time it runs.
    async with UnitOfWork(session_factory) as uow:
        job = await create_job(uow, owner_id=None, kind=EXPORT_KIND, actor=EXPORT_ACTOR)
        await uow.commit()
    finished = await wait_until_finished(session_factory, job.id)
    assert finished.status == JobStatus.FAILED
    assert finished.error == f"ValueError: export job {job.id} has no owner"
    assert finished.attempts == 3  # the first run and two retries
    broker = dramatiq.get_broker()
    if TEST_REDIS_URL:
        # Dead letters: message ids in a sorted set, the messages in a hash beside it.
        client = broker.client  # type: ignore[attr-defined]
        dead_ids = await asyncio.to_thread(client.zrange, "dramatiq:default.XQ", 0, -1)
        messages = await asyncio.to_thread(client.hmget, "dramatiq:default.XQ.msgs", dead_ids)
        assert [json.loads(m)["args"] for m in messages] == [[str(job.id)]]
    else:
        assert [m.args for m in broker.dead_letters] == [(str(job.id),)]  # type: ignore[attr-defined]


async def test_sweep_resends_a_job_whose_message_was_lost(
    worker_app: httpx.AsyncClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    owner = user_uuid((await register(worker_app)).id)
    # The job row committed, then the process died before sending its message.
    async with UnitOfWork(session_factory) as uow:
        lost = JobRepository(uow.session).add(
            Job(owner_id=owner, kind=EXPORT_KIND, actor=EXPORT_ACTOR)
        )
        await uow.commit()
    await asyncio.sleep(0.2)
    assert (await job_status(session_factory, lost.id)).status == JobStatus.QUEUED

    assert await resend_stale(session_factory, older_than=datetime.now(UTC)) == 1
    finished = await wait_until_finished(session_factory, lost.id)
    assert finished.status == JobStatus.SUCCEEDED
    # A young QUEUED job is left alone.
    assert (
        await resend_stale(session_factory, older_than=datetime.now(UTC) - timedelta(hours=1)) == 0
    )


@pytest.mark.skipif(not TEST_REDIS_URL, reason="two scheduler processes share a real Redis")
def test_two_schedulers_enqueue_once_per_period(settings: Settings, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": str(settings.redis_url),
        "JOB_SWEEP_EVERY_SECONDS": "1",
    }
    logs = [tmp_path / f"scheduler-{k}.log" for k in range(2)]
    processes = []
    for log in logs:
        with log.open("w") as out:
            command = [sys.executable, "-m", "studygraph", "scheduler"]
            processes.append(
                subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
            )

    def sweeps() -> list[str]:
        periods = []
        for log in logs:
            for line in log.read_text().splitlines():
                if line.startswith("{") and '"periodic job enqueued"' in line:
                    entry = json.loads(line)
                    if entry["job"] == "jobs.sweep_stale":
                        periods.append(entry["period"])
        return periods

    try:
        # Until five periods are claimed, both running (however long they took to boot).
        deadline = time.monotonic() + 60
        while len(sweeps()) < 5 and time.monotonic() < deadline:
            assert all(p.poll() is None for p in processes)
            time.sleep(0.2)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
    periods = sweeps()
    assert len(periods) >= 5
    assert len(periods) == len(set(periods)), periods  # no period enqueued twice


async def test_progress_shows_while_the_work_runs_and_never_goes_back(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with UnitOfWork(session_factory) as uow:
        job = JobRepository(uow.session).add(Job(owner_id=None, kind="PROBE", actor="-"))
        await uow.commit()
    seen: list[float] = []

    async def work(uow: UnitOfWork, running: Job, progress: Progress) -> dict[str, bool]:
        await progress(0.25)
        seen.append((await job_status(session_factory, running.id)).progress)
        await progress(0.1)  # late reports do not move it back
        await progress(0.6)
        seen.append((await job_status(session_factory, running.id)).progress)
        return {"ok": True}

    await run_job(session_factory, job.id, work)
    assert seen == [0.25, 0.6]
    finished = await job_status(session_factory, job.id)
    assert (finished.status, finished.progress) == (JobStatus.SUCCEEDED, 1.0)
    # A finished job's progress stays where it ended.
    await report_progress(session_factory, job.id, 0.5)
    assert (await job_status(session_factory, job.id)).progress == 1.0


@pytest.fixture
async def probe_app(quick_settings: Settings, db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    settings = quick_settings.model_copy(update={"extra_actor_modules": ["tests.worker_probes"]})
    async with serve_app(settings, [in_process_workers]) as client:
        yield client


async def test_plain_def_ml_actor_computes_off_the_event_loop(
    probe_app: httpx.AsyncClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    # Written and sent by hand: `create_job` sends the job id only, this actor also takes
    # the matrix size.
    async with UnitOfWork(session_factory) as uow:
        job = JobRepository(uow.session).add(Job(owner_id=None, kind="CRUNCH", actor=CRUNCH_ACTOR))
        await uow.commit()
    sender = get_broker().get_actor(CRUNCH_ACTOR)
    await asyncio.to_thread(sender.send, str(job.id), 3)
    finished = await wait_until_finished(session_factory, job.id)
    assert finished.status == JobStatus.SUCCEEDED
    result = dict(finished.result or {})
    # arange(9) as 3x3 squared: its trace is 0*0+1*3+2*6 + 3*1+4*4+5*7 + 6*2+7*5+8*8 = 180.
    assert result["trace"] == 180.0
    assert result["thread"] != result["storedOn"]  # computed in a worker thread, not on the loop
    assert result["loop"] == "uvloop.Loop"  # the async actors' loop, as the api's
    assert await count(session_factory, Job) == 2  # the job and its one effect row


def test_job_actors_retry_back_off_and_stop_as_the_defaults_say() -> None:
    """8 retries, backoff from 1 s to 5 min, a 60 s time limit: the ledger's actors and
    every job's."""
    broker = create_broker(make_settings())
    expected = {
        "max_retries": 8,
        "min_backoff": 1_000,
        "max_backoff": 300_000,
        "time_limit": 60_000,
    }
    for name in (
        STREAKS_ACTOR,
        ROLLOVER_ACTOR,
        FORGET_KEYS_ACTOR,
        SETTLE_ACTOR,
        PLAN_ACTOR,
        NIGHTS_ACTOR,
        EXPORT_ACTOR,
    ):
        options = broker.get_actor(name).options
        assert {key: options[key] for key in expected} == expected, name
