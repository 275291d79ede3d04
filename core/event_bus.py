"""The event bus: `broadcaster` over Redis pub/sub in production, `memory://` embedded.

What the package lacks, and this adds:
- `subscribe` returns only once Redis has confirmed the subscription, so an event
  published right after it is delivered (the package's Redis backend races its listener
  against the first SUBSCRIBE and, with redis-py 8, never listens at all);
- a dropped connection is re-established with backoff, every channel subscribed again, and
  every subscriber told to resynchronise, since it may have missed events meanwhile;
- each subscriber's queue is bounded: a subscriber that does not keep up is dropped,
  never the server.

Messages are JSON envelopes `{"seq", "event", "data"}`; `seq` numbers a channel's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
import redis.asyncio as aioredis
from broadcaster import Broadcast, Event
from broadcaster._backends.base import BroadcastBackend
from broadcaster._backends.memory import MemoryBackend
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from core.redis_batches import PipelineBatcher, RedisWrite

log = logging.getLogger(__name__)

RECONNECT_BACKOFF_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)
POLL_SECONDS = 1.0
HOLD_CHANNEL = "event-bus:hold"  # subscribed by every bus for as long as it is connected
SUBSCRIBE_TIMEOUT_SECONDS = 5.0
DEFAULT_QUEUE_SIZE = 256

# Markers travel through the subscriber queues as events with these messages; a JSON
# envelope always starts with "{", so they cannot be mistaken for one.
_RESYNC = "resync"
_DROPPED = "dropped"


@dataclass(frozen=True)
class Envelope:
    channel: str
    seq: int
    event: str
    data: dict[str, Any]

    def encode(self) -> bytes:
        return orjson.dumps({"seq": self.seq, "event": self.event, "data": self.data}, default=str)

    @classmethod
    def decode(cls, channel: str, message: str | bytes) -> Envelope:
        body = orjson.loads(message)
        return cls(channel, int(body["seq"]), str(body["event"]), dict(body["data"]))


@dataclass(frozen=True)
class Resync:
    """The connection to the other instances was lost and is back: events may be missing."""

    channel: str


class SubscriberDropped(Exception):
    """The subscriber fell behind by a whole queue and was cut off."""


class Feed:
    """One subscriber's view of a channel."""

    def __init__(self, channel: str, queue: asyncio.Queue[Event | None]):
        self.channel = channel
        self._queue = queue

    async def get(self) -> Envelope | Resync:
        item = await self._queue.get()
        if item is None:
            raise SubscriberDropped("The channel was closed")
        if item.message == _DROPPED:
            raise SubscriberDropped("Too slow: events arrived faster than they were read")
        if item.message == _RESYNC:
            return Resync(self.channel)
        try:
            return Envelope.decode(self.channel, item.message)
        except (ValueError, KeyError, TypeError):
            log.warning("dropped a malformed event on %s", self.channel)
            return Resync(self.channel)

    def __aiter__(self) -> AsyncIterator[Envelope | Resync]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Envelope | Resync]:
        while True:
            yield await self.get()


class RedisPubSubBackend(BroadcastBackend):
    """Redis pub/sub that confirms subscriptions, reconnects and resubscribes."""

    def __init__(self, client: aioredis.Redis):
        self._client = client
        # Publishes, and the writes that go out with them, of every commit on this loop.
        self.batcher = PipelineBatcher(client)
        self._channels: set[str] = set()
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._resync: set[str] = set()
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._stopping = False
        self.reconnects = 0

    @property
    def client(self) -> aioredis.Redis:
        return self._client

    async def connect(self) -> None:
        self._stopping = False
        self._reader = asyncio.create_task(self._read(), name="event-bus-reader")

    async def disconnect(self) -> None:
        # A cancellation that lands as redis-py's read timeout expires can be taken for
        # the timeout and lost; the flag still ends the reader at its next poll, so a
        # shutdown never hangs on it.
        self._stopping = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._close_pubsub()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmed[channel] = confirmed
        pubsub = self._pubsub
        if pubsub is not None:
            # On a broken connection the reader reconnects and subscribes the channel.
            with contextlib.suppress(aioredis.ConnectionError, OSError):
                await pubsub.subscribe(channel)
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_TIMEOUT_SECONDS)
        except TimeoutError:
            raise aioredis.ConnectionError("the event bus could not subscribe in time") from None

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        self._confirmed.pop(channel, None)
        pubsub = self._pubsub
        if pubsub is not None:
            with contextlib.suppress(aioredis.ConnectionError, OSError):
                await pubsub.unsubscribe(channel)

    async def publish(self, channel: str, message: Any) -> None:
        await self._client.publish(channel, message)

    async def publish_many(self, messages: Iterable[tuple[str, bytes]]) -> None:
        await self.batcher.send([partial(_publish_all, list(messages))])

    async def next_published(self) -> Event:
        return await self._events.get()

    async def _read(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                pubsub = self._client.pubsub()
                await pubsub.connect()
                # A reconnection behind our back would resubscribe without telling anyone
                # that events were missed: a broken connection must reach this loop.
                assert pubsub.connection is not None
                pubsub.connection.retry = Retry(NoBackoff(), 0)
                # Never nothing subscribed: redis-py then checks the connection's health
                # before each command and reads the answer itself, while this loop reads
                # too, and the first subscription after a quiet spell fails.
                await pubsub.subscribe(HOLD_CHANNEL, *self._channels)
                self._pubsub = pubsub
                while not self._stopping:
                    message = await pubsub.get_message(timeout=POLL_SECONDS)
                    if message is not None:
                        attempt = 0
                        self._handle(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._close_pubsub()
                # Whatever was subscribed must be subscribed again, and told it may have
                # missed events while the connection was down.
                self._resync |= self._channels
                self.reconnects += 1
                delay = RECONNECT_BACKOFF_SECONDS[min(attempt, len(RECONNECT_BACKOFF_SECONDS) - 1)]
                attempt += 1
                log.warning("event bus lost Redis (%s); reconnecting in %ss", exc, delay)
                await asyncio.sleep(delay)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = _text(message["channel"]) if message.get("channel") is not None else ""
        if kind == "message":
            self._events.put_nowait(Event(channel, _text(message["data"])))
        elif kind == "subscribe" and channel in self._channels:
            confirmed = self._confirmed.get(channel)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
            if channel in self._resync:
                self._resync.discard(channel)
                self._events.put_nowait(Event(channel, _RESYNC))

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()


class EventBus(Broadcast):
    """`Broadcast` with bounded subscriber queues and subscriptions that are live on return."""

    def __init__(self, backend: BroadcastBackend, queue_size: int = DEFAULT_QUEUE_SIZE):
        super().__init__(backend=backend)
        self.queue_size = queue_size
        self._subscribing: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_drop: dict[int, Callable[[], None]] = {}
        self.dropped = 0

    @classmethod
    def in_memory(cls, queue_size: int = DEFAULT_QUEUE_SIZE) -> EventBus:
        return cls(MemoryBackend("memory://"), queue_size)

    @classmethod
    def over_redis(cls, client: aioredis.Redis, queue_size: int = DEFAULT_QUEUE_SIZE) -> EventBus:
        return cls(RedisPubSubBackend(client), queue_size)

    async def connect(self) -> None:
        self._loop = asyncio.get_running_loop()
        await super().connect()

    async def _listener(self) -> None:
        while True:
            event = await self._backend.next_published()
            for queue in list(self._subscribers.get(event.channel, ())):
                try:
                    queue.put_nowait(event)
                except asyncio.QueueFull:
                    self._drop(event.channel, queue)

    def _drop(self, channel: str, queue: asyncio.Queue[Event | None]) -> None:
        """Frees what the slow subscriber holds and leaves it one marker to find."""
        self._subscribers.get(channel, set()).discard(queue)
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(Event(channel, _DROPPED))
        self.dropped += 1
        log.warning(
            "dropped a subscriber of %s: it fell %d events behind", channel, self.queue_size
        )
        on_drop = self._on_drop.pop(id(queue), None)
        if on_drop is not None:
            on_drop()

    async def publish_envelopes(self, envelopes: Iterable[Envelope]) -> None:
        messages = [(envelope.channel, envelope.encode()) for envelope in envelopes]
        if not messages:
            return
        if self._loop is not None and self._loop is not asyncio.get_running_loop():
            # An in-process worker runs on its own loop; the bus belongs to the api's.
            done = asyncio.run_coroutine_threadsafe(self._publish(messages), self._loop)
            await asyncio.wrap_future(done)
            return
        await self._publish(messages)

    @property
    def redis(self) -> aioredis.Redis | None:
        """The Redis client this bus publishes on; None when it is in memory."""
        backend = self._backend
        return backend.client if isinstance(backend, RedisPubSubBackend) else None

    async def publish_after(
        self, redis: aioredis.Redis, writes: Sequence[RedisWrite], envelopes: Iterable[Envelope]
    ) -> None:
        """Sends `writes` (commands added to a pipeline of `redis`) and then publishes the
        envelopes: in one round trip when this bus publishes on that same client."""
        backend = self._backend
        on_this_loop = self._loop is None or self._loop is asyncio.get_running_loop()
        if isinstance(backend, RedisPubSubBackend) and backend.client is redis and on_this_loop:
            messages = [(envelope.channel, envelope.encode()) for envelope in envelopes]
            await backend.batcher.send([*writes, partial(_publish_all, messages)])
            return
        async with redis.pipeline(transaction=False) as pipe:
            for write in writes:
                write(pipe)
            await pipe.execute()
        await self.publish_envelopes(envelopes)

    async def _publish(self, messages: list[tuple[str, bytes]]) -> None:
        if isinstance(self._backend, RedisPubSubBackend):
            await self._backend.publish_many(messages)
            return
        for channel, message in messages:
            await self._backend.publish(channel, message.decode())

    @contextlib.asynccontextmanager
    async def subscribe(  # type: ignore[override]
        self, channel: str, on_drop: Callable[[], None] | None = None
    ) -> AsyncIterator[Feed]:
        """A feed of the channel, live on entry. `on_drop` is called if the subscriber falls
        a whole queue behind: one that stopped reading never asks for the marker."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=self.queue_size)
        if on_drop is not None:
            self._on_drop[id(queue)] = on_drop
        self._subscribers.setdefault(channel, set()).add(queue)
        try:
            pending = self._subscribing.get(channel)
            if pending is None or (pending.done() and not _succeeded(pending)):
                pending = asyncio.create_task(self._backend.subscribe(channel))
                self._subscribing[channel] = pending
            # Every subscriber waits for the confirmation, not only the first.
            await asyncio.shield(pending)
            yield Feed(channel, queue)
        finally:
            await self._leave(channel, queue)

    async def _leave(self, channel: str, queue: asyncio.Queue[Event | None]) -> None:
        self._on_drop.pop(id(queue), None)
        subscribers = self._subscribers.get(channel, set())
        subscribers.discard(queue)
        if subscribers:
            return
        self._subscribers.pop(channel, None)
        pending = self._subscribing.pop(channel, None)
        if pending is not None and not pending.done():
            pending.cancel()
        with contextlib.suppress(Exception):
            await self._backend.unsubscribe(channel)

    def subscriber_count(self) -> int:
        return sum(len(queues) for queues in self._subscribers.values())


def _succeeded(task: asyncio.Task[None]) -> bool:
    return not task.cancelled() and task.exception() is None


def _publish_all(messages: Sequence[tuple[str, bytes]], pipe: Any) -> None:
    for channel, message in messages:
        pipe.publish(channel, message)


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


# The process's bus, installed by its entry point (the api's lifespan, the worker's boot),
# so business code publishes without knowing which process it runs in.
_bus: EventBus | None = None


def use_bus(bus: EventBus | None) -> None:
    global _bus
    _bus = bus


def has_bus() -> bool:
    return _bus is not None


def current_bus() -> EventBus:
    if _bus is None:
        raise RuntimeError("no event bus installed in this process")
    return _bus


@contextlib.asynccontextmanager
async def running(bus: EventBus) -> AsyncIterator[EventBus]:
    """Connects the bus and makes it the process's for the block's duration (an app started
    inside another's life gets the outer one's back afterwards)."""
    previous = _bus
    await bus.connect()
    use_bus(bus)
    try:
        yield bus
    finally:
        use_bus(previous)
        await bus.disconnect()


def bus_for(redis: aioredis.Redis, embedded: bool) -> EventBus:
    return EventBus.in_memory() if embedded else EventBus.over_redis(redis)
