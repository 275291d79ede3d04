"""`leaderboardUpdated`: the places that changed on a board, throttled and shared.

Every award announces the user's new points on the board's channel. Each api instance runs
one feed per board while anyone there watches it: the first announcement of a quiet spell
goes out at once, what follows is gathered into one update per moment (0.2 s) until a moment
passes without news, and each update's new places are read once (Redis, then the names from
PostgreSQL) and handed to every local subscriber. A thousand awards in a second make about
six updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.event_bus import Envelope, EventBus, Feed, Resync, SubscriberDropped, current_bus
from db.base import utcnow
from db.repositories.points import PointRepository
from resolvers.access import Viewer, require_viewer
from resolvers.gamification.leaderboards import (
    LeaderboardPeriod,
    LeaderboardScope,
    Standing,
    board_channel,
    board_key,
    check_scope,
    period_start,
    ranked_among,
    scope_members,
)

log = logging.getLogger(__name__)

THROTTLE_SECONDS = 0.2
QUEUE_SIZE = 64


@dataclass(frozen=True)
class BoardUpdate:
    period: LeaderboardPeriod
    scope: LeaderboardScope
    period_start: date | None
    sequence: int
    changes: list[Standing]
    # What the layers that render the update build from it once, for every subscriber.
    rendered: dict[str, object] = field(default_factory=dict, compare=False)


@dataclass(eq=False)
class _Watcher:
    queue: asyncio.Queue[BoardUpdate | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )
    on_drop: Callable[[], None] | None = None


class _Feed:
    """One board's updates on this instance, computed once for all who watch it."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        redis: aioredis.Redis,
        bus: EventBus,
        period: LeaderboardPeriod,
        clock: Callable[[], datetime],
    ):
        self.session_factory = session_factory
        self.redis = redis
        self.bus = bus
        self.period = period
        self.clock = clock
        self.watchers: set[_Watcher] = set()
        self.sequence = 0
        self.ready = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(self._run(), name=f"board-feed-{period}")

    async def _run(self) -> None:
        try:
            async with self.bus.subscribe(board_channel(self.period)) as feed:
                self.ready.set_result(None)
                while True:
                    # The first news after a quiet spell goes out at once; what follows is
                    # gathered into one update per moment until a moment passes without news.
                    burst = [await feed.get()]
                    while burst:
                        await self._announce(burst)
                        burst = await _gathered(feed, THROTTLE_SECONDS)
        except BaseException as exc:
            if not self.ready.done():
                self.ready.set_exception(exc)
            for watcher in list(self.watchers):
                self._drop(watcher)
            if not isinstance(exc, asyncio.CancelledError | SubscriberDropped):
                log.exception("leaderboard feed %s failed", self.period)
            raise

    async def _announce(self, burst: Sequence[object]) -> None:
        start = period_start(self.period, self.clock().date())
        try:
            changes = await _standings(self.session_factory, self.redis, self.period, start, burst)
        except Exception:
            # Redis or the database away for a moment: this update is lost, the feed lives.
            log.exception("leaderboard update of %s failed", self.period)
            return
        if not changes:
            return
        self.sequence += 1
        update = BoardUpdate(self.period, LeaderboardScope.GLOBAL, start, self.sequence, changes)
        for watcher in list(self.watchers):
            try:
                watcher.queue.put_nowait(update)
            except asyncio.QueueFull:
                self._drop(watcher)

    def _drop(self, watcher: _Watcher) -> None:
        self.watchers.discard(watcher)
        while not watcher.queue.empty():
            watcher.queue.get_nowait()
        watcher.queue.put_nowait(None)
        if watcher.on_drop is not None:
            watcher.on_drop()


async def _gathered(feed: Feed, seconds: float) -> list[Envelope | Resync]:
    """What arrives on the feed within the next `seconds`."""
    burst: list[Envelope | Resync] = []
    # Not `wait_for`: on Python 3.11 it swallows a cancellation that meets an arriving
    # event, and the feed, cancelled by its last watcher leaving, would then run on.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                burst.append(await feed.get())
    return burst


_feeds: dict[tuple[int, int, LeaderboardPeriod], _Feed] = {}


@contextlib.asynccontextmanager
async def _watching(
    session_factory: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis,
    period: LeaderboardPeriod,
    on_drop: Callable[[], None] | None,
    clock: Callable[[], datetime],
) -> AsyncIterator[_Watcher]:
    bus = current_bus()
    key = (id(bus), id(redis), period)
    feed = _feeds.get(key)
    if feed is None or feed.task.done():
        feed = _feeds[key] = _Feed(session_factory, redis, bus, period, clock)
    watcher = _Watcher(on_drop=on_drop)
    feed.watchers.add(watcher)
    try:
        await asyncio.shield(feed.ready)
        yield watcher
    finally:
        feed.watchers.discard(watcher)
        if not feed.watchers and _feeds.get(key) is feed:
            del _feeds[key]
            feed.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, SubscriberDropped):
                await feed.task


async def board_updates(
    session_factory: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis,
    viewer: Viewer | None,
    period: LeaderboardPeriod,
    scope: LeaderboardScope,
    *,
    scope_id: uuid.UUID | None = None,
    on_drop: Callable[[], None] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> AsyncGenerator[BoardUpdate, None]:
    """The board's changed places. A non-GLOBAL board follows the GLOBAL feed of its period
    and ranks the changed users among its members (as they were when it began)."""
    me = require_viewer(viewer).user_id
    members: set[str] | None = None
    if scope is not LeaderboardScope.GLOBAL:
        check_scope(scope, scope_id, me)
        async with session_factory() as session:
            members = {str(m) for m in await scope_members(session, scope, scope_id, me)}
    sequence = 0
    async with _watching(session_factory, redis, period, on_drop, clock) as watcher:
        while True:
            update = await watcher.queue.get()
            if update is None:
                raise SubscriberDropped("Too slow: updates arrived faster than they were read")
            if members is None:
                yield update
                continue
            changed = {str(s.user_id): s for s in update.changes if str(s.user_id) in members}
            if not changed:
                continue
            key = board_key(period, update.period_start)
            rows = await ranked_among(redis, key, sorted(members))
            places = [
                replace(changed[m], rank=rank)
                for rank, (m, _) in enumerate(rows, start=1)
                if m in changed
            ]
            sequence += 1
            yield BoardUpdate(period, scope, update.period_start, sequence, places)


async def _standings(
    session_factory: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis,
    period: LeaderboardPeriod,
    start: date | None,
    burst: Sequence[object],
) -> list[Standing]:
    """The current places of the users the burst names on the current period's board."""
    wanted = str(start) if start is not None else None
    members = sorted(
        {
            str(item.data["userId"])
            for item in burst
            if isinstance(item, Envelope) and item.data.get("periodStart") == wanted
        }
    )
    if not members:
        return []
    key = board_key(period, start)
    async with redis.pipeline(transaction=False) as pipe:
        for member in members:
            pipe.zrank(key, member)
            pipe.zscore(key, member)
        replies = await pipe.execute()
    places = zip(members, replies[0::2], replies[1::2], strict=True)
    found = [(m, (rank, score)) for m, rank, score in places if rank is not None]
    async with session_factory() as session:
        names = await PointRepository(session).display_names(
            [uuid.UUID(member) for member, _ in found]
        )
    changes = [
        Standing(int(rank) + 1, uuid.UUID(m), names.get(uuid.UUID(m), ""), int(-score))
        for m, (rank, score) in found
    ]
    return sorted(changes, key=lambda standing: standing.rank)
