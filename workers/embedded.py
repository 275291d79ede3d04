"""The embedded default's in-process worker and scheduler, run for the api's whole life."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import dramatiq

from core.redis import create_redis
from core.settings import Settings
from workers.broker import install_broker
from workers.scheduler import run_scheduler


@contextlib.asynccontextmanager
async def embedded_workers(settings: Settings) -> AsyncIterator[None]:
    broker = install_broker(settings)
    worker = dramatiq.Worker(broker, worker_timeout=100, worker_threads=2)
    worker.start()
    redis = create_redis(settings)
    scheduler = asyncio.create_task(run_scheduler(redis), name="embedded-scheduler")
    try:
        yield
    finally:
        scheduler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await scheduler
        await redis.aclose()
        await asyncio.to_thread(worker.stop)
