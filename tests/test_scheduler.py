"""Periodic jobs are enqueued once per period however many schedulers tick."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from core.redis import create_redis
from core.settings import Settings
from workers import scheduler


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[aioredis.Redis]:
    client = create_redis(settings)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def sent() -> Iterator[list[datetime]]:
    calls: list[datetime] = []
    registered = dict(scheduler.REGISTRY)
    scheduler.REGISTRY.clear()
    scheduler.REGISTRY["test.every_minute"] = scheduler.PeriodicJob(
        "test.every_minute", timedelta(minutes=1), calls.append
    )
    yield calls
    scheduler.REGISTRY.clear()
    scheduler.REGISTRY.update(registered)


async def test_two_schedulers_enqueue_once_per_period(
    settings: Settings, redis: aioredis.Redis, sent: list[datetime]
) -> None:
    other = create_redis(settings)  # a second scheduler has its own connection
    try:
        moments = [datetime(2026, 11, 21, 10, 0, s, tzinfo=UTC) for s in (1, 20, 59)]
        for moment in moments:
            await asyncio.gather(scheduler.tick(redis, moment), scheduler.tick(other, moment))
        await scheduler.tick(other, datetime(2026, 11, 21, 10, 1, 0, tzinfo=UTC))
    finally:
        await other.aclose()
    assert sent == [
        datetime(2026, 11, 21, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 21, 10, 1, tzinfo=UTC),
    ]


def test_period_start() -> None:
    moment = datetime(2026, 11, 21, 23, 59, 59, tzinfo=UTC)
    assert scheduler.period_start(moment, timedelta(days=1)) == datetime(2026, 11, 21, tzinfo=UTC)
    assert scheduler.period_start(moment, timedelta(hours=6)) == datetime(
        2026, 11, 21, 18, tzinfo=UTC
    )
