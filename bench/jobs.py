"""Jobs per second through the whole job path, beside raw Dramatiq on the same Redis.

    python -m bench.jobs [--jobs 2000] [--processes 2] [--threads 8]

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default the local `test` database) and
BENCH_REDIS_URL (default redis://127.0.0.1:6379/14, which it empties). Both runs use the
same worker processes (`studygraph worker`). The job path: a job row committed through the
unit of work, its message sent after commit, a worker runs it and marks it SUCCEEDED.
Raw: an empty actor's message sent and run. Target: job path >= 0.3 x raw.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
from sqlalchemy import func, select, text

from bench.actors import JOB_ACTOR, RAW_ACTOR, RAW_DONE_KEY
from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from db.models.jobs import Job, JobStatus
from resolvers.jobs import create_job
from workers.broker import install_broker

ROOT = Path(__file__).resolve().parent.parent
PRODUCERS = 10


def start_workers(settings: Settings, processes: int, threads: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": str(settings.redis_url),
        "EXTRA_ACTOR_MODULES": '["bench.actors"]',
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "studygraph", "worker"]
    command += ["--processes", str(processes), "--threads", str(threads)]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def raw_run(settings: Settings, count: int) -> float:
    broker = install_broker(settings)
    client = redis.Redis.from_url(str(settings.redis_url))
    client.delete(RAW_DONE_KEY)
    actor = broker.get_actor(RAW_ACTOR)
    started = time.perf_counter()
    for _ in range(count):
        actor.send()
    while int(client.get(RAW_DONE_KEY) or 0) < count:
        time.sleep(0.005)
    return count / (time.perf_counter() - started)


async def job_run(settings: Settings, count: int) -> float:
    install_broker(settings)
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM jobs"))
    started = time.perf_counter()

    async def producer(share: int) -> None:
        for _ in range(share):
            async with UnitOfWork(factory) as uow:
                await create_job(uow, owner_id=None, kind="BENCH", actor=JOB_ACTOR)
                await uow.commit()

    # As an api under load calls it: many requests at once, each its own unit of work.
    await asyncio.gather(*(producer(count // PRODUCERS) for _ in range(PRODUCERS)))
    produced = time.perf_counter() - started
    while True:
        async with factory() as session:
            done = await session.scalar(
                select(func.count()).select_from(Job).where(Job.status == JobStatus.SUCCEEDED)
            )
        if (done or 0) >= count:
            break
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    print(f"  job rows committed and sent at {count / produced:.0f}/s")
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    settings = Settings(
        database_url=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        extra_actor_modules=["bench.actors"],
    )
    upgrade(settings)
    redis.Redis.from_url(str(settings.redis_url)).flushdb()
    workers = start_workers(settings, args.processes, args.threads)
    try:
        time.sleep(3)  # let the workers boot
        raw_run(settings, 200)  # warm up both paths
        asyncio.run(job_run(settings, 100))
        raw = raw_run(settings, args.jobs)
        jobs = asyncio.run(job_run(settings, args.jobs))
    finally:
        workers.send_signal(signal.SIGTERM)  # the master stops its worker processes
        workers.wait(timeout=60)
    print(f"workers: {args.processes} processes x {args.threads} threads, {args.jobs} messages")
    print(f"raw Dramatiq (empty actor): {raw:8.0f} messages/s")
    print(f"job path (row, commit, send, run, SUCCEEDED): {jobs:8.0f} jobs/s")
    print(f"ratio job path / raw: {jobs / raw:.2f}  (target >= 0.30)")


if __name__ == "__main__":
    main()
