"""Concurrent callers' Redis commands batched into shared pipelines, in order, each caller
answered for its own commands; on the embedded fakeredis and on the real Redis."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from core.redis import create_redis
from core.redis_batches import PipelineBatcher
from core.settings import Settings


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[aioredis.Redis]:
    redis = create_redis(settings)
    await redis.delete("batch:list", "batch:text", "batch:count")
    yield redis
    await redis.delete("batch:list", "batch:text", "batch:count")
    await redis.aclose()


def push(value: str, pipe: Any) -> None:
    pipe.rpush("batch:list", value)


def count(pipe: Any) -> None:
    pipe.incr("batch:count")


def count_text(pipe: Any) -> None:
    pipe.incr("batch:text")  # not an integer: Redis answers this command with an error


async def test_callers_at_the_same_moment_share_one_round_trip_in_their_order(
    client: aioredis.Redis,
) -> None:
    batcher = PipelineBatcher(client)
    await asyncio.gather(
        *(batcher.send([partial(push, f"{i}a"), partial(push, f"{i}b")]) for i in range(20))
    )
    assert batcher.round_trips == 1
    assert await client.lrange("batch:list", 0, -1) == [f"{i}{x}" for i in range(20) for x in "ab"]


async def test_callers_arriving_during_a_round_trip_go_together_in_the_next(
    client: aioredis.Redis,
) -> None:
    batcher = PipelineBatcher(client)
    first = asyncio.create_task(batcher.send([partial(push, "first")]))
    await asyncio.sleep(0)  # the sender starts its pipeline with the first caller alone
    await asyncio.sleep(0)
    later = [asyncio.create_task(batcher.send([partial(push, str(i))])) for i in range(5)]
    await asyncio.gather(first, *later)
    assert batcher.round_trips == 2
    assert await client.lrange("batch:list", 0, -1) == ["first", "0", "1", "2", "3", "4"]
    await batcher.send([partial(push, "alone")])
    assert batcher.round_trips == 3


async def test_a_command_error_fails_only_the_caller_whose_command_it_was(
    client: aioredis.Redis,
) -> None:
    await client.set("batch:text", "not a number")
    batcher = PipelineBatcher(client)
    results = await asyncio.gather(
        batcher.send([count]),
        batcher.send([partial(push, "x"), count_text]),
        batcher.send([count]),
        return_exceptions=True,
    )
    assert batcher.round_trips == 1
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], aioredis.ResponseError)
    assert "not an integer" in str(results[1])
    # Redis ran every command of the pipeline, the failing caller's other one too.
    assert await client.get("batch:count") == "2"
    assert await client.lrange("batch:list", 0, -1) == ["x"]


def faulty(pipe: Any) -> None:
    pipe.rpush("batch:list", "half")
    raise ValueError("a write that fails while adding its commands")


async def test_a_write_that_raises_fails_its_caller_and_sends_none_of_its_commands(
    client: aioredis.Redis,
) -> None:
    batcher = PipelineBatcher(client)
    results = await asyncio.gather(
        batcher.send([partial(push, "before")]),
        batcher.send([partial(push, "mine"), faulty]),
        batcher.send([partial(push, "after")]),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    assert batcher.round_trips == 1
    assert await client.lrange("batch:list", 0, -1) == ["before", "after"]


async def test_a_cancelled_caller_still_has_its_commands_sent(client: aioredis.Redis) -> None:
    batcher = PipelineBatcher(client)
    leaving = asyncio.create_task(batcher.send([partial(push, "left")]))
    staying = asyncio.create_task(batcher.send([partial(push, "stayed")]))
    await asyncio.sleep(0)
    leaving.cancel()
    await staying
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert await client.lrange("batch:list", 0, -1) == ["left", "stayed"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_redis_fails_every_caller_of_the_batch_and_the_next_batch_runs(
    client: aioredis.Redis,
) -> None:
    away = aioredis.Redis(
        port=_closed_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    batcher = PipelineBatcher(away)
    results = await asyncio.gather(
        *(batcher.send([partial(push, str(i))]) for i in range(3)), return_exceptions=True
    )
    assert [type(r) for r in results] == [aioredis.ConnectionError] * 3
    # The sender ended with its batch: a later call starts a new one (and fails alike).
    with pytest.raises(aioredis.ConnectionError):
        await batcher.send([partial(push, "later")])
    assert batcher.round_trips == 2
    await away.aclose()
