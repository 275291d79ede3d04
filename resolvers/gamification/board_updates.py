"""`leaderboardUpdated`: the places that changed on a board, coalesced.

Every award announces the user's new points on the board's channel; a subscriber gathers
what arrives within a short window and is told once, with the new ranks read from the
board, so a burst of a thousand awards in a second makes a few updates, not a thousand.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.event_bus import Envelope, current_bus
from db.base import utcnow
from db.repositories.points import PointRepository
from resolvers.access import Viewer, require_viewer
from resolvers.gamification.leaderboards import (
    LeaderboardPeriod,
    LeaderboardScope,
    Standing,
    board_channel,
    board_key,
    period_start,
    require_global,
)

COALESCE_SECONDS = 0.25


@dataclass(frozen=True)
class BoardUpdate:
    period: LeaderboardPeriod
    scope: LeaderboardScope
    period_start: date | None
    sequence: int
    changes: list[Standing]


async def board_updates(
    session_factory: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis,
    viewer: Viewer | None,
    period: LeaderboardPeriod,
    scope: LeaderboardScope,
    *,
    on_drop: Callable[[], None] | None = None,
    window: float = COALESCE_SECONDS,
    clock: Callable[[], datetime] = utcnow,
) -> AsyncIterator[BoardUpdate]:
    require_viewer(viewer)
    require_global(scope)
    loop = asyncio.get_running_loop()
    sequence = 0
    async with current_bus().subscribe(board_channel(period), on_drop) as feed:
        while True:
            burst = [await feed.get()]
            deadline = loop.time() + window
            while (left := deadline - loop.time()) > 0:
                try:
                    burst.append(await asyncio.wait_for(feed.get(), left))
                except TimeoutError:
                    break
            start = period_start(period, clock().date())
            changes = await _standings(session_factory, redis, period, start, burst)
            if changes:
                sequence += 1
                yield BoardUpdate(period, scope, start, sequence, changes)


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
