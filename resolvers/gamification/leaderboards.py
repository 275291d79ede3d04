"""Leaderboards in Redis sorted sets, updated as points are awarded and rebuilt from
PostgreSQL (the truth) when Redis has lost them.

Scores are stored negated so that ZRANGE's ascending order is the ranking and equal
points are ordered by user id ascending: ties are broken the same way in Redis and in SQL.
Each update writes the user's absolute points with `ZADD LT` (keep the larger number of
points), so updates arriving out of order, repeated, or racing a rebuild never lower a score.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.repositories.challenges import ChallengeRepository, ParticipantRepository
from db.repositories.friends import FriendshipRepository
from db.repositories.groups import GroupMemberRepository
from db.repositories.points import Balance, PointRepository
from resolvers.access import Viewer, require_viewer
from resolvers.gamification.rules import month_start, week_start
from resolvers.input_rules import not_found
from resolvers.live import tell, write_after_commit

# How long a rebuilt board is trusted before it is merged with PostgreSQL again: an update
# lost between a commit and Redis (a crash, a Redis restart) heals within this time.
REBUILT_FOR_SECONDS = 3600
KEEP_SECONDS = {"WEEKLY": 35 * 86400, "MONTHLY": 62 * 86400, "ALL_TIME": None}
NEIGHBOURS = 2
REBUILD_CHUNK = 5000


class LeaderboardPeriod(enum.StrEnum):
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    ALL_TIME = "ALL_TIME"


class LeaderboardScope(enum.StrEnum):
    GLOBAL = "GLOBAL"
    FRIENDS = "FRIENDS"
    GROUP = "GROUP"
    CHALLENGE = "CHALLENGE"


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: uuid.UUID
    display_name: str
    points: int


@dataclass(frozen=True)
class Board:
    period: LeaderboardPeriod
    scope: LeaderboardScope
    period_start: date | None
    participants: int
    entries: list[Standing]
    me: Standing | None
    around_me: list[Standing]


def period_start(period: LeaderboardPeriod, day: date) -> date | None:
    if period is LeaderboardPeriod.WEEKLY:
        return week_start(day)
    if period is LeaderboardPeriod.MONTHLY:
        return month_start(day)
    return None


def board_key(period: LeaderboardPeriod, start: date | None) -> str:
    return f"lb:{period}" if start is None else f"lb:{period}:{start.isoformat()}"


def scores_of(balance: Balance) -> list[tuple[LeaderboardPeriod, date | None, int]]:
    return [
        (LeaderboardPeriod.WEEKLY, balance.week_start, balance.weekly),
        (LeaderboardPeriod.MONTHLY, balance.month_start, balance.monthly),
        (LeaderboardPeriod.ALL_TIME, None, balance.total),
    ]


async def forget(redis: aioredis.Redis, user_id: uuid.UUID) -> None:
    """Takes a deleted account off every board Redis keeps."""
    member = str(user_id)
    async for key in redis.scan_iter(match="lb:*", count=500):
        if not key.endswith(":rebuilt"):
            await redis.zrem(key, member)


async def drop_boards(redis: aioredis.Redis) -> None:
    """Forgets every board; the next read of each rebuilds it from PostgreSQL."""
    async for key in redis.scan_iter(match="lb:*", count=500):
        await redis.delete(key)


def board_channel(period: LeaderboardPeriod) -> str:
    return f"leaderboard:{period}:{LeaderboardScope.GLOBAL}"


def rebuilt_marker(key: str) -> str:
    return f"{key}:rebuilt"


def announce_scores(uow: UnitOfWork, redis: aioredis.Redis, balance: Balance) -> None:
    """After the commit, writes the user's points to every board they count on, then
    announces each board's change (unlogged: the board itself is the truth)."""
    write_after_commit(uow, redis, partial(_write_scores, balance))
    for period, start, points in scores_of(balance):
        if points > 0:
            update = {"userId": str(balance.user_id), "points": points, "periodStart": start}
            tell(uow, board_channel(period), "leaderboardUpdated", update, logged=False)


def _write_scores(balance: Balance, pipe: Any) -> None:
    """Adds the user's committed points to every board they count on."""
    member = str(balance.user_id)
    for period, start, points in scores_of(balance):
        if points <= 0:
            continue
        key = board_key(period, start)
        pipe.zadd(key, {member: -points}, lt=True)
        keep = KEEP_SECONDS[period]
        if keep is not None:
            pipe.expire(key, keep)


async def ensure_built(
    redis: aioredis.Redis, points: PointRepository, period: LeaderboardPeriod, start: date | None
) -> str:
    """The board's key, merged with PostgreSQL first if it was never built or Redis lost it.
    Concurrent rebuilds are harmless: `ZADD LT` of committed points is idempotent."""
    key = board_key(period, start)
    marker = rebuilt_marker(key)
    if await redis.exists(marker):
        return key
    rows = await points.ranking(period, start)
    for i in range(0, len(rows), REBUILD_CHUNK):
        chunk = rows[i : i + REBUILD_CHUNK]
        await redis.zadd(key, {str(user_id): -score for user_id, score in chunk}, lt=True)
    keep = KEEP_SECONDS[period]
    if keep is not None and rows:
        await redis.expire(key, keep)
    await redis.set(marker, "1", ex=REBUILT_FOR_SECONDS)
    return key


def check_scope(scope: LeaderboardScope, scope_id: uuid.UUID | None, me: uuid.UUID) -> None:
    if scope is LeaderboardScope.FRIENDS and scope_id not in (None, me):
        # One answer for someone else's friend list and a list that does not exist.
        raise not_found("friend list", "scopeId")
    if scope in (LeaderboardScope.GROUP, LeaderboardScope.CHALLENGE) and scope_id is None:
        raise UserInputError(
            f"Name the {scope.lower()} in `scopeId`", code="SCOPE_ID_REQUIRED", field="scopeId"
        )


async def leaderboard(
    session_factory: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis,
    viewer: Viewer | None,
    period: LeaderboardPeriod,
    scope: LeaderboardScope,
    first: int,
    now: datetime | None = None,
    scope_id: uuid.UUID | None = None,
) -> Board:
    """The first `first` places, and the caller's own place with their neighbours even when
    it is far below the page. FRIENDS ranks the caller and their friends, GROUP the members
    of a group the caller is in, CHALLENGE a challenge's participants, each read from the
    same board in one round trip."""
    signed_in = require_viewer(viewer)
    check_scope(scope, scope_id, signed_in.user_id)
    start = period_start(period, (now or utcnow()).date())
    key = board_key(period, start)
    me = str(signed_in.user_id)
    async with session_factory() as session:
        points = PointRepository(session)
        if scope is LeaderboardScope.GLOBAL:
            top, my_rank, participants, around = await _global(
                redis, points, period, start, key, me, first
            )
        else:
            members = await scope_members(session, scope, scope_id, signed_in.user_id)
            if not await redis.exists(rebuilt_marker(key)):
                await ensure_built(redis, points, period, start)
            top, my_rank, participants, around = await _among(
                redis, key, [str(m) for m in members], me, first
            )
        ids = {uuid.UUID(member) for member, _ in (*top, *around)}
        names = await points.display_names(sorted(ids))

    def standings(rows: list[Any], first_rank: int) -> list[Standing]:
        return [
            Standing(first_rank + i, uuid.UUID(m), names.get(uuid.UUID(m), ""), int(-score))
            for i, (m, score) in enumerate(rows)
        ]

    entries = standings(top, 1)
    around_me = standings(around, max(0, my_rank - NEIGHBOURS) + 1) if my_rank is not None else []
    mine = next((s for s in around_me if s.user_id == signed_in.user_id), None)
    return Board(period, scope, start, int(participants), entries, mine, around_me)


async def scope_members(
    session: AsyncSession, scope: LeaderboardScope, scope_id: uuid.UUID | None, me: uuid.UUID
) -> list[uuid.UUID]:
    """Who a non-GLOBAL board ranks: me and my friends; a group's members, for a member; a
    challenge's participants, for anyone who may see it (public, or of a group they are
    in). Anything else is NOT_FOUND."""
    if scope is LeaderboardScope.FRIENDS:
        return [me, *await FriendshipRepository(session).friend_ids(me)]
    assert scope_id is not None  # check_scope asks for it
    groups = GroupMemberRepository(session)
    if scope is LeaderboardScope.GROUP:
        members = await groups.member_ids(scope_id)
        if me not in members:
            raise not_found("StudyGroup", "scopeId")
        return members
    challenge = await ChallengeRepository(session).get(scope_id)
    if challenge is None or (
        challenge.group_id is not None and await groups.get(challenge.group_id, me) is None
    ):
        raise not_found("Challenge", "scopeId")
    return await ParticipantRepository(session).member_ids(scope_id)


async def ranked_among(redis: aioredis.Redis, key: str, members: list[str]) -> list[Any]:
    """(member, score) of the members with points on the board `key`, best first, read in
    one ZMSCORE and ordered as Redis orders them: score, then member (the user id)."""
    scores = await redis.zmscore(key, members)
    ranked = sorted((s, m) for m, s in zip(members, scores, strict=True) if s is not None)
    return [(m, s) for s, m in ranked]


async def _among(
    redis: aioredis.Redis, key: str, members: list[str], me: str, first: int
) -> tuple[list[Any], int | None, int, list[Any]]:
    """The members' places among themselves on the board `key`."""
    rows = await ranked_among(redis, key, members)
    my_rank = next((k for k, (m, _) in enumerate(rows) if m == me), None)
    around: list[Any] = []
    if my_rank is not None:
        around = rows[max(0, my_rank - NEIGHBOURS) : my_rank + NEIGHBOURS + 1]
    return rows[:first], my_rank, len(rows), around


async def _global(
    redis: aioredis.Redis,
    points: PointRepository,
    period: LeaderboardPeriod,
    start: date | None,
    key: str,
    me: str,
    first: int,
) -> tuple[list[Any], int | None, int, list[Any]]:
    for attempt in range(2):
        async with redis.pipeline(transaction=False) as pipe:
            pipe.exists(rebuilt_marker(key))
            pipe.zrange(key, 0, first - 1, withscores=True)
            pipe.zrank(key, me)
            pipe.zcard(key)
            built, top, my_rank, participants = await pipe.execute()
        if built or attempt:
            break
        await ensure_built(redis, points, period, start)
    around: list[Any] = []
    if my_rank is not None:
        around = await redis.zrange(
            key, max(0, my_rank - NEIGHBOURS), my_rank + NEIGHBOURS, withscores=True
        )
    return top, my_rank, int(participants), around
