"""Job plumbing run for the api's whole life, without graph/ importing workers/."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import dramatiq

from core.redis import create_redis
from core.settings import Settings
from core.unit_of_work import set_job_sender
from workers.broker import install_broker
from workers.scheduler import run_scheduler


@contextlib.asynccontextmanager
async def job_sender(settings: Settings) -> AsyncIterator[None]:
    """An api process that only sends jobs (workers run elsewhere)."""
    install_broker(settings)
    try:
        yield
    finally:
        set_job_sender(None)


@contextlib.asynccontextmanager
async def in_process_workers(settings: Settings) -> AsyncIterator[None]:
    """The embedded default: a worker and the scheduler inside the api process."""
    broker = install_broker(settings)
    worker = dramatiq.Worker(broker, worker_timeout=100, worker_threads=2)
    worker.start()
    redis = create_redis(settings)
    stop = asyncio.Event()
    scheduler = asyncio.create_task(run_scheduler(redis, stop), name="embedded-scheduler")
    try:
        yield
    finally:
        stop.set()
        scheduler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler
        await redis.aclose()
        await asyncio.to_thread(worker.stop)
        set_job_sender(None)
