"""The event bus: subscriptions live on return, bounded queues, reconnection; and following
a channel's log with no gap and no duplicate."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.errors import UserInputError
from core.event_bus import Envelope, EventBus, Resync, SubscriberDropped, current_bus, use_bus
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.repositories.events import ChannelEventRepository
from resolvers.live import (
    decode_cursor,
    encode_cursor,
    follow,
    prune_events,
    tell,
    write_after_commit,
)
from tests.conftest import TEST_REDIS_URL, requires_redis
from tests.waiting import QUIET_SECONDS, subscribed, until

Factory = async_sessionmaker[AsyncSession]


def envelope(channel: str, seq: int, event: str = "ping") -> Envelope:
    return Envelope(channel, seq, event, {"n": seq})


@pytest.fixture
async def redis_bus() -> AsyncIterator[EventBus]:
    assert TEST_REDIS_URL is not None
    client = aioredis.from_url(TEST_REDIS_URL, decode_responses=True)
    bus = EventBus.over_redis(client)
    await bus.connect()
    yield bus
    await bus.disconnect()
    await client.aclose()


async def test_a_subscriber_that_falls_behind_is_dropped_not_the_bus() -> None:
    bus = EventBus.in_memory(queue_size=4)
    await bus.connect()
    dropped: list[str] = []
    try:
        async with (
            bus.subscribe("c", lambda: dropped.append("slow")) as slow,
            bus.subscribe("c") as keeping_up,
        ):
            for seq in range(1, 11):
                await bus.publish_envelopes([envelope("c", seq)])
                item = await asyncio.wait_for(keeping_up.get(), 1)
                assert item == envelope("c", seq)
            assert dropped == ["slow"]
            with pytest.raises(SubscriberDropped):
                await slow.get()
            assert bus.subscriber_count() == 1
        assert bus.subscriber_count() == 0
        assert bus.dropped == 1
    finally:
        await bus.disconnect()


@requires_redis
async def test_b2_an_event_published_right_after_subscribing_is_delivered(
    redis_bus: EventBus,
) -> None:
    assert TEST_REDIS_URL is not None
    publisher = aioredis.from_url(TEST_REDIS_URL)
    try:
        for attempt in range(30):
            channel = f"b2:{uuid.uuid4()}"
            async with redis_bus.subscribe(channel) as feed:
                await publisher.publish(channel, envelope(channel, attempt).encode())
                assert await asyncio.wait_for(feed.get(), 2) == envelope(channel, attempt)
    finally:
        await publisher.aclose()


@requires_redis
async def test_a_subscription_after_a_quiet_spell_is_not_refused() -> None:
    # With nothing subscribed, redis-py checks the connection's health before a command
    # and reads the PONG itself, while the bus's reader is reading too: the first
    # subscription after 30 s without any failed with "read() called while another
    # coroutine is already waiting for incoming data". A short interval here.
    assert TEST_REDIS_URL is not None
    client = aioredis.from_url(TEST_REDIS_URL, decode_responses=True, health_check_interval=0.1)
    publisher = aioredis.from_url(TEST_REDIS_URL)
    bus = EventBus.over_redis(client)
    await bus.connect()
    try:
        for attempt in range(3):
            await asyncio.sleep(0.3)  # nothing subscribed: the health check falls due
            channel = f"quiet:{uuid.uuid4()}"
            async with bus.subscribe(channel) as feed:
                await publisher.publish(channel, envelope(channel, attempt).encode())
                assert await asyncio.wait_for(feed.get(), 2) == envelope(channel, attempt)
    finally:
        await bus.disconnect()
        await client.aclose()
        await publisher.aclose()


@requires_redis
async def test_b1_a_killed_pubsub_connection_is_resubscribed_and_resynchronised(
    redis_bus: EventBus,
) -> None:
    assert TEST_REDIS_URL is not None
    admin = aioredis.from_url(TEST_REDIS_URL)
    channel = f"b1:{uuid.uuid4()}"
    try:
        async with redis_bus.subscribe(channel) as feed:
            assert await admin.client_kill_filter(_type="pubsub") >= 1
            assert await asyncio.wait_for(feed.get(), 5) == Resync(channel)
            await admin.publish(channel, envelope(channel, 1).encode())
            assert await asyncio.wait_for(feed.get(), 2) == envelope(channel, 1)
    finally:
        await admin.aclose()


async def log_unpublished(session_factory: Factory, channel: str, event: str) -> None:
    """An event committed whose publish was lost (a crash, Redis away)."""
    async with session_factory() as session:
        await ChannelEventRepository(session).append(channel, [(event, {"lost": True})], utcnow())
        await session.commit()


async def tell_one(session_factory: Factory, channel: str, event: str, n: int) -> None:
    async with UnitOfWork(session_factory) as uow:
        tell(uow, channel, event, {"n": n})
        await uow.commit()


async def test_a_gap_in_the_live_stream_is_read_back_from_the_log(
    app: Starlette, session_factory: Factory
) -> None:
    channel = f"user:{uuid.uuid4()}"
    received: list[tuple[int, str]] = []

    async def listen() -> None:
        async for item in follow(session_factory, channel, {"a", "b"}):
            received.append((item.seq, item.event))

    await tell_one(session_factory, channel, "a", 1)  # before: not followed
    listening = current_bus().subscriber_count()
    listener = asyncio.create_task(listen())
    await subscribed(listening)
    await log_unpublished(session_factory, channel, "b")
    await tell_one(session_factory, channel, "other", 3)  # seq 3 reveals that 2 is missing
    await tell_one(session_factory, channel, "a", 4)
    await until(lambda: len(received) >= 2, "two events")
    await asyncio.sleep(QUIET_SECONDS)
    listener.cancel()
    assert received == [(2, "b"), (4, "a")]


async def test_after_replays_in_order_then_goes_live(
    app: Starlette, session_factory: Factory
) -> None:
    channel = f"user:{uuid.uuid4()}"
    for n in range(1, 6):
        await tell_one(session_factory, channel, "a", n)
    received: list[int] = []

    async def listen() -> None:
        async for item in follow(session_factory, channel, {"a"}, after=2):
            received.append(item.seq)

    listening = current_bus().subscriber_count()
    listener = asyncio.create_task(listen())
    await subscribed(listening)
    await tell_one(session_factory, channel, "a", 6)
    await until(lambda: len(received) >= 4, "four events")
    await asyncio.sleep(QUIET_SECONDS)
    listener.cancel()
    assert received == [3, 4, 5, 6]


@requires_redis
async def test_b1_events_missed_while_disconnected_are_caught_up_without_a_new_one(
    app: Starlette, session_factory: Factory
) -> None:
    """After the pub/sub connection is killed, the follower resynchronises from the log: an
    event committed meanwhile whose publish never reached it is delivered anyway."""
    assert TEST_REDIS_URL is not None
    channel = f"user:{uuid.uuid4()}"
    received: list[int] = []

    async def listen() -> None:
        async for item in follow(session_factory, channel, {"a"}):
            received.append(item.seq)

    listening = current_bus().subscriber_count()
    listener = asyncio.create_task(listen())
    await subscribed(listening)
    admin = aioredis.from_url(TEST_REDIS_URL)
    try:
        await tell_one(session_factory, channel, "a", 1)
        await until(lambda: received == [1], "the first event")
        await admin.client_kill_filter(_type="pubsub")
        await log_unpublished(session_factory, channel, "a")  # while reconnecting
        await until(lambda: len(received) >= 2, "the event missed while disconnected")
        await asyncio.sleep(QUIET_SECONDS)
    finally:
        listener.cancel()
        await admin.aclose()
    assert received == [1, 2]


async def test_pruned_events_make_an_old_cursor_expire(
    app: Starlette, session_factory: Factory
) -> None:
    channel = f"user:{uuid.uuid4()}"
    for n in range(1, 4):
        await tell_one(session_factory, channel, "a", n)
    later = utcnow() + timedelta(days=8)
    assert await prune_events(session_factory, keep=timedelta(days=7), now=later) == 3
    await tell_one(session_factory, channel, "a", 4)  # numbering goes on after the prune

    with pytest.raises(UserInputError) as refused:
        async for _ in follow(session_factory, channel, {"a"}, after=1):
            pass
    assert refused.value.code == "CURSOR_EXPIRED"

    received: list[int] = []

    async def listen() -> None:
        async for item in follow(session_factory, channel, {"a"}, after=3):
            received.append(item.seq)

    listener = asyncio.create_task(listen())
    await until(lambda: len(received) >= 1, "the event after the cursor")
    await asyncio.sleep(QUIET_SECONDS)
    listener.cancel()
    assert received == [4]


async def test_a_cursor_beyond_the_channel_is_refused(
    app: Starlette, session_factory: Factory
) -> None:
    channel = f"user:{uuid.uuid4()}"
    await tell_one(session_factory, channel, "a", 1)
    with pytest.raises(UserInputError) as refused:
        async for _ in follow(session_factory, channel, {"a"}, after=2):
            pass
    assert refused.value.code == "INVALID_CURSOR"


def test_cursors_round_trip_and_foreign_ones_are_refused() -> None:
    assert decode_cursor(encode_cursor(42)) == 42
    for bad in ("", "bm90LWEtY3Vyc29y", "!!", encode_cursor(1)[:-3]):
        with pytest.raises(UserInputError) as refused:
            decode_cursor(bad)
        assert refused.value.code == "INVALID_CURSOR"


def add(key: str, amount: int, pipe: Any) -> None:
    pipe.incr(key, amount)


@requires_redis
async def test_redis_writes_go_out_with_the_events_after_the_commit_only(
    redis_bus: EventBus, session_factory: Factory
) -> None:
    """`write_after_commit`: on the bus's own client the writes and the events share one
    pipeline; on another client they are written first. A rollback does neither."""
    assert TEST_REDIS_URL is not None
    other = aioredis.from_url(TEST_REDIS_URL, decode_responses=True)
    channel = f"test:{uuid.uuid4()}"
    bus_client = redis_bus.redis
    assert bus_client is not None
    previous = current_bus()
    use_bus(redis_bus)
    try:
        async with redis_bus.subscribe(channel) as feed:
            for client in (bus_client, other):
                key = f"test:written:{uuid.uuid4()}"
                async with UnitOfWork(session_factory) as uow:
                    write_after_commit(uow, client, partial(add, key, 1))
                    tell(uow, channel, "rolledBack", {}, logged=False)
                async with UnitOfWork(session_factory) as uow:
                    write_after_commit(uow, client, partial(add, key, 5))
                    write_after_commit(uow, client, partial(add, key, 2))
                    tell(uow, channel, "committed", {"key": key}, logged=False)
                    await uow.commit()
                heard = await asyncio.wait_for(feed.get(), 5)
                assert isinstance(heard, Envelope)
                assert (heard.event, heard.data) == ("committed", {"key": key})
                assert await other.get(key) == "7"
            with pytest.raises(RuntimeError):
                async with UnitOfWork(session_factory) as uow:
                    write_after_commit(uow, bus_client, partial(add, "unused", 1))
                    write_after_commit(uow, other, partial(add, "unused", 1))
    finally:
        use_bus(previous)
        await other.aclose()
