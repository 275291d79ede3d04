"""Jobs per second through the whole job path, beside raw Dramatiq on the same Redis.

    python -m bench.jobs [--jobs 2000] [--processes 2] [--threads 8] [--rounds 3]

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default the local `bench_jobs` database,
created and migrated when missing) and BENCH_REDIS_URL (default redis://127.0.0.1:6379/14,
which it empties). Both runs use the same worker processes (`studygraph worker`), in turn
for `--rounds` rounds, so machine noise hits them alike. The job path: a job row committed
through the unit of work (which, writing nothing else, commits it through the process's job
ledger, as an api's does), its message sent after commit, a worker runs it through
`run_job` (RUNNING committed, then the work, then SUCCEEDED committed; both through the
worker's job ledger, as the work writes nothing). Raw: an empty actor's message sent and
run. Target: job path >= 0.3 x raw.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import redis
import uvloop
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.actors import JOB_ACTOR, RAW_ACTOR, RAW_DONE_KEY
from bench.goals_seed import ensure_database
from core.gc_tuning import tune_for_serving
from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from db.models.jobs import Job, JobStatus
from resolvers.jobs import create_job, job_ledger
from workers.broker import install_broker

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_jobs"
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


async def job_run(factory: async_sessionmaker[AsyncSession], count: int) -> tuple[float, float]:
    """Jobs/s through the whole path, and the rate at which the producers committed and sent."""
    async with factory() as session:
        # Emptied, not deleted from: the dead rows of every earlier run would otherwise
        # stay in the table and its indexes until a vacuum, slowing each run more.
        await session.execute(text("TRUNCATE jobs CASCADE"))
        await session.commit()
    started = time.perf_counter()

    async def producer(share: int) -> None:
        for _ in range(share):
            async with UnitOfWork(factory) as uow:
                await create_job(uow, owner_id=None, kind="BENCH", actor=JOB_ACTOR)
                await uow.commit()

    # As an api under load calls it: many requests at once, each its own unit of work.
    await asyncio.gather(*(producer(count // PRODUCERS) for _ in range(PRODUCERS)))
    produced = time.perf_counter() - started
    # Every job is written by now: the run ends when none is unfinished. An index probe
    # for one such job, every 20 ms, so watching does not take the CPU the run is measured
    # on: counting rows did, and so did `status = QUEUED OR status = RUNNING` at 100 probes
    # a second (a sequential scan, or an index scan through the dead entries of every
    # job's earlier states, 2-5 ms each on 6 000 jobs: a third of a core by the end).
    unfinished = (
        select(Job.id).where(Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))).limit(1)
    )
    while True:
        async with factory() as session:
            if await session.scalar(unfinished) is None:
                break
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    async with factory() as session:
        succeeded = await session.scalar(
            select(func.count()).select_from(Job).where(Job.status == JobStatus.SUCCEEDED)
        )
    if succeeded != count:
        raise RuntimeError(f"{succeeded} of {count} jobs succeeded")
    return count / elapsed, count / produced


async def bench(settings: Settings, count: int, rounds: int) -> dict[str, list[float]]:
    install_broker(settings)
    # One engine for every run, its pool filled by the warm-up: connecting is not measured.
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    rates: dict[str, list[float]] = {"raw": [], "jobs": []}
    try:
        # The producers' units of work write their jobs as an api's do, through its ledger.
        async with job_ledger(settings, engine):
            await asyncio.to_thread(raw_run, settings, 200)  # warm up both paths
            await job_run(factory, 200)
            for number in range(1, rounds + 1):
                rates["raw"].append(await asyncio.to_thread(raw_run, settings, count))
                jobs, produced = await job_run(factory, count)
                rates["jobs"].append(jobs)
                print(
                    f"round {number}: raw {rates['raw'][-1]:.0f}/s, job path {jobs:.0f}/s "
                    f"(producers committed and sent {produced:.0f}/s)",
                    flush=True,
                )
    finally:
        await engine.dispose()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings(
        database_url=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        extra_actor_modules=["bench.actors"],
    )
    asyncio.run(ensure_database(settings.database_url))
    upgrade(settings)
    redis.Redis.from_url(str(settings.redis_url)).flushdb()
    workers = start_workers(settings, args.processes, args.threads)
    try:
        time.sleep(3)  # let the workers boot
        # The producers run as an api process does: uvloop (uvicorn's) and its GC settings.
        tune_for_serving()
        rates = uvloop.run(bench(settings, args.jobs, args.rounds))
    finally:
        workers.send_signal(signal.SIGTERM)  # the master stops its worker processes
        workers.wait(timeout=60)
    print(
        f"workers: {args.processes} processes x {args.threads} threads; "
        f"{args.jobs} messages per run; medians of {args.rounds} rounds"
    )
    raw = statistics.median(rates["raw"])
    jobs = statistics.median(rates["jobs"])
    print(f"raw Dramatiq (empty actor): {raw:8.0f} messages/s")
    print(f"job path (row, commit, send, run, SUCCEEDED): {jobs:8.0f} jobs/s")
    print(f"ratio job path / raw: {jobs / raw:.2f}  (target >= 0.30)")


if __name__ == "__main__":
    main()
