"""Periodic jobs, enqueued once per period across every scheduler process.

Each period of each job is claimed with Redis `SET NX`: whichever scheduler claims it sends
the message, the others skip it, so running two schedulers never doubles the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    enqueue: Callable[[datetime], object]


# Filled by the actor modules as they declare their actors.
REGISTRY: dict[str, PeriodicJob] = {}


def period_start(now: datetime, every: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((now - epoch) // every) * every


async def tick(redis: aioredis.Redis, now: datetime) -> list[tuple[str, datetime]]:
    """Enqueues every job whose current period nobody has claimed yet; returns what it sent."""
    sent = []
    for job in list(REGISTRY.values()):
        start = period_start(now, job.every)
        key = f"scheduler:{job.name}:{int(start.timestamp())}"
        claimed = await redis.set(key, "1", nx=True, ex=int(job.every.total_seconds() * 2) + 60)
        if claimed:
            job.enqueue(start)
            sent.append((job.name, start))
    return sent


async def run_scheduler(redis: aioredis.Redis, stop: asyncio.Event | None = None) -> None:
    """Ticks until cancelled or until `stop` is set. The flag is what an embedding process
    relies on: a cancellation that lands inside a Redis client's call can be swallowed
    there, and an api waiting for its scheduler to end would then wait for ever."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            for name, start in await tick(redis, datetime.now(UTC)):
                log.info("periodic job enqueued", extra={"job": name, "period": start.isoformat()})
        except Exception:
            # Redis may be restarting; the next tick claims the period again.
            log.exception("scheduler tick failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TICK_SECONDS)
