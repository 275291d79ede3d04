"""Leaderboards: ranks with deterministic ties, the caller's place far below the page,
and Redis rebuilt from PostgreSQL equal to what the live updates built."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, date, datetime

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import select

from core.errors import UserInputError
from core.event_bus import Envelope, current_bus
from core.ids import from_global_id
from db.base import utcnow
from db.models.points import PointBalance
from db.models.users import Role
from resolvers.access import Viewer
from resolvers.gamification import board_updates as board_updates_module
from resolvers.gamification.board_updates import BoardUpdate, board_updates
from resolvers.gamification.leaderboards import (
    LeaderboardPeriod,
    LeaderboardScope,
    board_channel,
    board_key,
    leaderboard,
)
from tests.accounts import PASSWORD, register, viewer_of
from tests.gamification_helpers import Factory, complete, new_users
from tests.study_api import mutate
from tests.waiting import subscribed

# Wednesday of ISO week 2026-W48 (which starts on Monday 2026-11-23).
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WEEK = date(2026, 11, 23)


def viewer(user_id: uuid.UUID) -> Viewer:
    return Viewer(user_id=user_id, role=Role.STUDENT, token_id="t", token_expires_at=NOW)


async def board_contents(redis: aioredis.Redis, key: str) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = await redis.zrange(key, 0, -1, withscores=True)  # type: ignore[assignment]
    return rows


async def test_ranks_ties_and_my_place_far_below_the_page(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    users = await new_users(session_factory, 30)
    # users[i] earns (10 + 5 x (i // 3)) x 1.01 (a one-day streak) points, rounded half up:
    # three users share each score, so ties abound.
    for i, user_id in enumerate(users):
        await complete(session_factory, user_id, NOW, minutes=30 * (i // 3))

    last = users[1]  # 10 points, second of the three tied at the bottom
    board = await leaderboard(
        session_factory,
        redis,
        viewer(last),
        LeaderboardPeriod.WEEKLY,
        LeaderboardScope.GLOBAL,
        4,
        now=NOW,
    )

    assert board.participants == 30
    assert board.period_start == WEEK
    # Best first; equal points rank the older account (smaller id) first.
    assert [(s.rank, s.user_id, s.points) for s in board.entries] == [
        (1, users[27], 56),
        (2, users[28], 56),
        (3, users[29], 56),
        (4, users[24], 51),
    ]
    assert board.me is not None
    assert (board.me.rank, board.me.points) == (29, 10)
    assert [(s.rank, s.user_id, s.points) for s in board.around_me] == [
        (27, users[5], 15),
        (28, users[0], 10),
        (29, users[1], 10),
        (30, users[2], 10),
    ]
    assert all(s.display_name.startswith("Student ") for s in board.entries)


async def test_a_user_without_points_has_no_place(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    earner, idle = await new_users(session_factory, 2)
    await complete(session_factory, earner, NOW, minutes=60)

    board = await leaderboard(
        session_factory,
        redis,
        viewer(idle),
        LeaderboardPeriod.ALL_TIME,
        LeaderboardScope.GLOBAL,
        10,
        now=NOW,
    )

    assert [(s.user_id, s.points) for s in board.entries] == [(earner, 20)]
    assert board.me is None
    assert board.around_me == []


async def test_rebuilt_from_postgres_equals_the_live_board(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    users = await new_users(session_factory, 12)
    for i, user_id in enumerate(users):
        await complete(session_factory, user_id, NOW, minutes=30 * (i % 5))
        if i % 4 == 0:
            await complete(session_factory, user_id, NOW, minutes=90, task_id=uuid.uuid4())
    live = {}
    for period in LeaderboardPeriod:
        await leaderboard(
            session_factory, redis, viewer(users[0]), period, LeaderboardScope.GLOBAL, 5, now=NOW
        )
        key = board_key(period, None if period is LeaderboardPeriod.ALL_TIME else _start(period))
        live[period] = await board_contents(redis, key)
    assert len(live[LeaderboardPeriod.WEEKLY]) == 12

    await redis.flushdb()  # Redis lost everything
    for period in LeaderboardPeriod:
        await leaderboard(
            session_factory, redis, viewer(users[0]), period, LeaderboardScope.GLOBAL, 5, now=NOW
        )
        key = board_key(period, None if period is LeaderboardPeriod.ALL_TIME else _start(period))
        assert await board_contents(redis, key) == live[period]

    # And both agree with the balances in PostgreSQL, rank by rank.
    async with session_factory() as session:
        rows = (await session.execute(select(PointBalance.user_id, PointBalance.weekly))).all()
    expected = sorted(((str(u), -float(p)) for u, p in rows), key=lambda r: (r[1], r[0]))
    assert live[LeaderboardPeriod.WEEKLY] == expected


async def test_a_late_or_repeated_update_never_lowers_a_score(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    (user_id,) = await new_users(session_factory, 1)
    await complete(session_factory, user_id, NOW, minutes=120)  # 30 points
    key = board_key(LeaderboardPeriod.ALL_TIME, None)
    await redis.zadd(key, {str(user_id): -10}, lt=True)  # an older value arriving late

    assert await redis.zscore(key, str(user_id)) == -30


async def test_group_and_challenge_boards_need_their_id(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    (user_id,) = await new_users(session_factory, 1)
    for scope in (LeaderboardScope.GROUP, LeaderboardScope.CHALLENGE):
        with pytest.raises(UserInputError) as refused:
            await leaderboard(
                session_factory,
                redis,
                viewer(user_id),
                LeaderboardPeriod.WEEKLY,
                scope,
                10,
            )
        assert (refused.value.code, refused.value.field) == ("SCOPE_ID_REQUIRED", "scopeId")


def _start(period: LeaderboardPeriod) -> date:
    return WEEK if period is LeaderboardPeriod.WEEKLY else date(2026, 11, 1)


async def test_a_deleted_account_leaves_every_board(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    leaving, staying = await register(client), await register(client)
    for account in (leaving, staying):
        await complete(session_factory, from_global_id(account.id)[1], utcnow(), minutes=30)
    before = await leaderboard(
        session_factory,
        redis,
        viewer_of(staying),
        LeaderboardPeriod.ALL_TIME,
        LeaderboardScope.GLOBAL,
        10,
    )
    assert before.participants == 2

    payload = await mutate(
        client,
        leaving,
        "mutation ($p: String!) { deleteAccount(password: $p) { errors { code } } }",
        p=PASSWORD,
    )
    assert payload["errors"] == []

    for period in LeaderboardPeriod:
        after = await leaderboard(
            session_factory, redis, viewer_of(staying), period, LeaderboardScope.GLOBAL, 10
        )
        assert [s.user_id for s in after.entries] == [from_global_id(staying.id)[1]]
        assert after.participants == 1


async def _publish_awards(users: list[uuid.UUID]) -> None:
    """The announcements those users' awards made, all at once, as an award sends them."""
    channel = board_channel(LeaderboardPeriod.ALL_TIME)
    await current_bus().publish_envelopes(
        Envelope(channel, 0, "leaderboardUpdated", {"userId": str(u), "periodStart": None})
        for u in users
    )


async def test_a_burst_of_awards_makes_two_updates_then_one_per_moment(
    session_factory: Factory, redis: aioredis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A longer moment, so that a slow machine still publishes within it where it must.
    monkeypatch.setattr(board_updates_module, "THROTTLE_SECONDS", 1.0)
    users = await new_users(session_factory, 8)
    # users[i] earns (10 + 5 x i) x 1.01 points (a one-day streak), rounded half up.
    for i, user_id in enumerate(users):
        await complete(session_factory, user_id, NOW, minutes=30 * i)
    points = {users[i]: p for i, p in enumerate([10, 15, 20, 25, 30, 35, 40, 45])}
    watching = current_bus().subscriber_count()
    updates = board_updates(
        session_factory,
        redis,
        viewer(users[0]),
        LeaderboardPeriod.ALL_TIME,
        LeaderboardScope.GLOBAL,
        clock=lambda: NOW,
    )
    first = asyncio.ensure_future(anext(updates))
    await subscribed(watching)  # the board's feed
    assert current_bus().subscriber_count() == watching + 1

    def changed(update: BoardUpdate) -> list[tuple[int, uuid.UUID, int]]:
        return [(s.rank, s.user_id, s.points) for s in update.changes]

    try:
        # The first of a quiet spell goes out at once, the other five in one more update.
        await _publish_awards(users[:6])
        assert (await asyncio.wait_for(first, 10)).sequence == 1
        assert changed(first.result()) == [(8, users[0], 10)]
        second = await asyncio.wait_for(anext(updates), 10)
        assert second.sequence == 2
        assert changed(second) == [(8 - i, users[i], points[users[i]]) for i in (5, 4, 3, 2, 1)]
        # News right after an update waits for the end of its moment, gathered: not two more.
        await _publish_awards(users[6:])
        third = await asyncio.wait_for(anext(updates), 10)
        assert (third.sequence, changed(third)) == (3, [(1, users[7], 45), (2, users[6], 40)])
    finally:
        if not first.done():  # the board's feed never subscribed or never told
            first.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await first
        await updates.aclose()
