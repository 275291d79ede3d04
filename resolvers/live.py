"""Live events: logged in the transaction that made them true, published after its commit,
and followed by clients with a replay of what they missed.

A channel's logged events are numbered without gaps in commit order (see
`db/models/events.py`), so a follower knows exactly what it has seen: it skips numbers it
already has, and reads a gap back from PostgreSQL, whether the gap comes from a reconnecting
client (`after:`), a lost connection between instances, or a publish that failed.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.event_bus import Envelope, EventBus, Resync, current_bus
from core.redis_batches import RedisWrite
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.repositories.events import ChannelEventRepository
from resolvers.access import Viewer, require_viewer

log = logging.getLogger(__name__)

REPLAY_PAGE = 200
_SCRATCH_KEY = "live-events"
_CURSOR_PREFIX = "seq:"


def user_channel(user_id: object) -> str:
    return f"user:{user_id}"


def job_channel(job_id: object) -> str:
    return f"job:{job_id}"


@dataclass
class _Pending:
    logged: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    unlogged: list[Envelope] = field(default_factory=list)
    published: list[Envelope] = field(default_factory=list)
    redis: aioredis.Redis | None = None
    writes: list[RedisWrite] = field(default_factory=list)


def _pending(uow: UnitOfWork) -> _Pending:
    pending = uow.scratch.get(_SCRATCH_KEY)
    if pending is None:
        pending = uow.scratch[_SCRATCH_KEY] = _Pending()
        uow.before_commit(lambda: _log(uow, pending))
    return pending


def tell(
    uow: UnitOfWork, channel: str, event: str, data: dict[str, Any], *, logged: bool = True
) -> None:
    """Announces `event` on `channel` once the unit of work commits; a rollback says nothing.

    Logged events are written to the channel's log just before the commit and can be
    replayed; unlogged ones (a leaderboard's raw updates, whose truth is the board itself)
    are only published, numbered 0.
    """
    data = orjson.loads(orjson.dumps(data, default=str))  # dates, ids and enums as JSON
    pending = _pending(uow)
    if logged:
        pending.logged.setdefault(channel, []).append((event, data))
    else:
        pending.unlogged.append(Envelope(channel, 0, event, data))


async def tell_now(channel: str, event: str, data: dict[str, Any]) -> None:
    """Publishes an unlogged event about a change already committed without a unit of work
    (a job the ledger marked RUNNING). A failure is logged: the change stands."""
    envelope = Envelope(channel, 0, event, orjson.loads(orjson.dumps(data, default=str)))
    try:
        await current_bus().publish_envelopes([envelope])
    except Exception:
        log.exception("publishing a committed change failed")


def write_after_commit(uow: UnitOfWork, redis: aioredis.Redis, write: RedisWrite) -> None:
    """Adds commands to Redis once the unit of work commits, before its events go out
    (a leaderboard's scores before the news that they changed), in the same round trip
    when the events are published on that Redis. A rollback writes nothing."""
    pending = _pending(uow)
    if pending.redis is not None and pending.redis is not redis:
        raise RuntimeError("one unit of work writes to one Redis")
    pending.redis = redis
    pending.writes.append(write)


async def _log(uow: UnitOfWork, pending: _Pending) -> None:
    if pending.logged:  # unlogged events alone need no session (a job's status, say)
        events = ChannelEventRepository(uow.session)
        at = utcnow()
        # Channels in a fixed order, so two transactions never take their counters crosswise.
        for channel in sorted(pending.logged):
            named = pending.logged[channel]
            numbers = await events.append(channel, named, at)
            pending.published.extend(
                Envelope(channel, seq, event, data)
                for seq, (event, data) in zip(numbers, named, strict=True)
            )
    pending.published.extend(pending.unlogged)

    async def publish() -> None:
        if pending.redis is None:
            await current_bus().publish_envelopes(pending.published)
        else:
            await current_bus().publish_after(pending.redis, pending.writes, pending.published)

    # Registered now, so it runs after every other effect of the transaction; its Redis
    # writes go first within it (a leaderboard's scores before the news of them).
    uow.after_commit(publish)


async def prune_events(
    session_factory: async_sessionmaker[AsyncSession], keep: timedelta, now: datetime | None = None
) -> int:
    """Forgets logged events older than `keep`; a cursor from before then is refused with
    CURSOR_EXPIRED rather than replayed with a hole."""
    async with session_factory() as session:
        removed = await ChannelEventRepository(session).prune((now or utcnow()) - keep)
        await session.commit()
    return removed


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_CURSOR_PREFIX):
            seq = int(text.removeprefix(_CURSOR_PREFIX))
            if seq >= 0:
                return seq
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise UserInputError(
        "Not a cursor this subscription gave", code="INVALID_CURSOR", field="after"
    )


async def follow(
    session_factory: async_sessionmaker[AsyncSession],
    channel: str,
    events: Collection[str],
    *,
    after: int | None = None,
    on_drop: Callable[[], None] | None = None,
    bus: EventBus | None = None,
) -> AsyncIterator[Envelope]:
    """The channel's events of the named kinds: those numbered above `after` first (from
    PostgreSQL), then live ones, with no gap and no duplicate. Without `after`, from now.

    Subscribes before reading the log, so nothing committed in between is missed; holds no
    database session between events.
    """
    async with (bus or current_bus()).subscribe(channel, on_drop) as feed:
        async with session_factory() as session:
            last = await ChannelEventRepository(session).last_seq(channel)
        if after is not None and after > last:
            # Not a cursor of this channel: following from it would skip what comes next.
            raise UserInputError(
                "Not a cursor this subscription gave", code="INVALID_CURSOR", field="after"
            )
        seen = last if after is None else after
        async for envelope in _catch_up(session_factory, channel, seen, strict=after is not None):
            seen = envelope.seq
            if envelope.event in events:
                yield envelope
        while True:
            item = await feed.get()
            if isinstance(item, Envelope) and item.seq <= seen:
                continue  # replayed already
            if isinstance(item, Envelope) and item.seq == seen + 1:
                seen = item.seq
                if item.event in events:
                    yield item
                continue
            # A gap (an event whose publish was lost) or a reconnection: read it back.
            async for envelope in _catch_up(session_factory, channel, seen, strict=False):
                seen = envelope.seq
                if envelope.event in events:
                    yield envelope


async def _catch_up(
    session_factory: async_sessionmaker[AsyncSession], channel: str, seen: int, *, strict: bool
) -> AsyncIterator[Envelope]:
    while True:
        async with session_factory() as session:
            rows = await ChannelEventRepository(session).after(channel, seen, REPLAY_PAGE)
        if strict and rows and rows[0].seq != seen + 1:
            raise UserInputError(
                "Events after this cursor are no longer kept; read the current state instead",
                code="CURSOR_EXPIRED",
                field="after",
            )
        strict = False
        for row in rows:
            yield Envelope(channel, row.seq, row.event, row.data)
        if len(rows) < REPLAY_PAGE:
            return
        seen = rows[-1].seq


async def follow_unlogged(
    channel: str, *, on_drop: Callable[[], None] | None = None, bus: EventBus | None = None
) -> AsyncIterator[Envelope | Resync]:
    """Every event published on a channel that keeps no log, from now on, and a `Resync`
    whenever some may have been missed (the subscriber then reads the state afresh)."""
    async with (bus or current_bus()).subscribe(channel, on_drop) as feed:
        while True:
            yield await feed.get()


def follow_mine(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    events: Collection[str],
    *,
    after: str | None = None,
    on_drop: Callable[[], None] | None = None,
) -> AsyncIterator[Envelope]:
    """The caller's own events (only the owner hears a `user:` channel)."""
    signed_in = require_viewer(viewer)
    start = None if after is None else decode_cursor(after)
    channel = user_channel(signed_in.user_id)
    return follow(session_factory, channel, events, after=start, on_drop=on_drop)
