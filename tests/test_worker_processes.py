"""W1, W2, W4, W5 with real `studygraph worker` processes on the real Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import dramatiq
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.models.jobs import Job, JobStatus
from db.repositories.jobs import JobRepository
from tests.bus_tap import tapped
from tests.conftest import TEST_REDIS_URL, make_settings
from tests.worker_probes import EFFECT_KIND, PROBE_ACTOR, REMINDER_ACTOR
from workers.broker import create_broker

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="worker processes need a real Redis")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORKER_ENV = {
    "EXTRA_ACTOR_MODULES": '["tests.worker_probes"]',
    # A killed worker's messages come back after 2 s of silence, looked for on every fetch.
    "BROKER_HEARTBEAT_TIMEOUT_MS": "2000",
    "BROKER_MAINTENANCE_PER_MILLION": "1000000",
    "JOB_MIN_BACKOFF_MS": "100",
    "JOB_MAX_BACKOFF_MS": "200",
}


@pytest.fixture
def worker_settings(settings: Settings) -> Settings:
    return make_settings(
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        extra_actor_modules=["tests.worker_probes"],
    )


@pytest.fixture
async def broker(worker_settings: Settings, db: AsyncEngine) -> AsyncIterator[dramatiq.Broker]:
    """The test's own sending side of the broker the worker processes consume."""
    sender = create_broker(worker_settings)
    yield sender
    sender.close()


class Workers:
    def __init__(self, settings: Settings, log_path: Path):
        self.settings = settings
        self.processes: list[subprocess.Popen[bytes]] = []
        # Kept for whoever reads a failing test's output.
        self.log = log_path.open("ab")

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "studygraph", "worker", "--processes", "1", "--threads", "1"],
            cwd=PROJECT_ROOT,
            env={
                **os.environ,
                "DATABASE_URL": self.settings.database_url,
                "REDIS_URL": str(self.settings.redis_url),
                **WORKER_ENV,
                **env,
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill reaches its children
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)
        self.log.close()


@pytest.fixture
def workers(worker_settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(worker_settings, tmp_path / "workers.log")
    yield pool
    pool.stop_all()


async def new_probe_job(
    factory: async_sessionmaker[AsyncSession],
    broker: dramatiq.Broker,
    seconds: float,
    actor: str = PROBE_ACTOR,
) -> uuid.UUID:
    async with UnitOfWork(factory) as uow:
        job = JobRepository(uow.session).add(Job(owner_id=None, kind="PROBE", actor=actor))
        await uow.commit()
    broker.get_actor(actor).send(str(job.id), seconds)
    return job.id


async def wait_for(
    factory: async_sessionmaker[AsyncSession],
    job_id: uuid.UUID,
    statuses: set[JobStatus],
    within: float,
) -> Job:
    deadline = time.monotonic() + within
    while True:
        async with factory() as session:
            job = await session.get(Job, job_id)
        assert job is not None
        if job.status in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job is {job.status}, waited for {statuses}")
        await asyncio.sleep(0.1)


async def effects(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as session:
        statement = select(func.count()).select_from(Job).where(Job.kind == EFFECT_KIND)
        return int(await session.scalar(statement) or 0)


async def test_w1_killed_worker_job_is_redelivered_and_applied_once(
    workers: Workers,
    broker: dramatiq.Broker,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    job_id = await new_probe_job(session_factory, broker, seconds=3)
    first = workers.start()
    await wait_for(session_factory, job_id, {JobStatus.RUNNING}, within=60)
    os.killpg(first.pid, signal.SIGKILL)  # mid-job, no chance to clean up
    first.wait(timeout=20)

    workers.start()
    job = await wait_for(session_factory, job_id, {JobStatus.SUCCEEDED, JobStatus.FAILED}, 90)
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 2
    assert await effects(session_factory) == 1


async def test_w2_sigterm_finishes_in_flight_work(
    workers: Workers,
    broker: dramatiq.Broker,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    job_id = await new_probe_job(session_factory, broker, seconds=2)
    worker = workers.start()
    await wait_for(session_factory, job_id, {JobStatus.RUNNING}, within=60)
    worker.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(worker.wait, 60) == 0
    job = await wait_for(session_factory, job_id, {JobStatus.SUCCEEDED, JobStatus.FAILED}, 5)
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 1)
    assert await effects(session_factory) == 1


async def test_w4_stale_notification_is_dropped(
    workers: Workers,
    broker: dramatiq.Broker,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    stale = await new_probe_job(session_factory, broker, 0, actor=REMINDER_ACTOR)
    await asyncio.sleep(2.5)  # no worker yet: the reminder ages past its 2 s limit
    workers.start(NOTIFICATION_MAX_AGE_MS="2000")
    # Only once the worker is consuming is a new reminder young enough when fetched.
    warm = await new_probe_job(session_factory, broker, 0)
    await wait_for(session_factory, warm, {JobStatus.SUCCEEDED}, within=60)
    fresh = await new_probe_job(session_factory, broker, 0, actor=REMINDER_ACTOR)
    done = await wait_for(session_factory, fresh, {JobStatus.SUCCEEDED}, within=60)
    assert done.attempts == 1
    async with session_factory() as session:
        dropped = await session.get(Job, stale)
    assert dropped is not None and dropped.status == JobStatus.QUEUED  # never ran
    assert await effects(session_factory) == 2  # the warm-up probe and the fresh reminder


async def test_w5_hung_actor_is_stopped_at_its_time_limit(
    workers: Workers,
    broker: dramatiq.Broker,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    job_id = await new_probe_job(session_factory, broker, seconds=600)
    workers.start(JOB_TIME_LIMIT_MS="1000", JOB_MAX_RETRIES="0")
    started = time.monotonic()
    job = await wait_for(session_factory, job_id, {JobStatus.SUCCEEDED, JobStatus.FAILED}, 60)
    assert job.status == JobStatus.FAILED
    assert job.error is not None and "TimeLimitExceeded" in job.error
    assert time.monotonic() - started < 60
    assert await effects(session_factory) == 0


async def test_a_worker_process_tells_live_clients_its_job_changed(
    app: Starlette,
    workers: Workers,
    broker: dramatiq.Broker,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """The worker publishes on Redis; this process's bus (as an api's) hears it."""
    job_id = uuid.uuid4()
    async with tapped(f"job:{job_id}") as tap:
        async with UnitOfWork(session_factory) as uow:
            job = Job(id=job_id, owner_id=None, kind="PROBE", actor=PROBE_ACTOR)
            JobRepository(uow.session).add(job)
            await uow.commit()
        broker.get_actor(PROBE_ACTOR).send(str(job_id), 0.2)
        workers.start()
        await wait_for(session_factory, job_id, {JobStatus.SUCCEEDED}, within=60)
        heard = await tap.heard(done=lambda h: any(e.data["status"] == "SUCCEEDED" for e in h))
    statuses = [body["data"]["status"] for _, body in heard]
    assert statuses[0] == "RUNNING" and statuses[-1] == "SUCCEEDED"
    assert {body["event"] for _, body in heard} == {"jobUpdated"}
