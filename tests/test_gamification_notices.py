"""What gamification announces goes out only after the commit that made it true."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
import redis.asyncio as aioredis
from sqlalchemy import select

from core.domain_events import subscribe, unsubscribe
from core.unit_of_work import UnitOfWork
from db.models.badges import Badge, BadgeCriterion
from db.models.points import Streak
from db.models.users import Preferences
from resolvers.gamification.leagues import roll_over
from resolvers.gamification.streaks import settle_streaks
from resolvers.study_events import TaskCompleted
from tests.bus_tap import Tap, tapped
from tests.gamification_helpers import Factory, complete, new_users

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


BOARDS = ("leaderboard:WEEKLY:GLOBAL", "leaderboard:MONTHLY:GLOBAL", "leaderboard:ALL_TIME:GLOBAL")


@pytest.fixture
async def listener(redis: aioredis.Redis) -> AsyncIterator[Tap]:
    async with tapped(*BOARDS) as tap:
        yield tap


async def test_a_completion_announces_points_streak_badge_and_boards(
    session_factory: Factory, redis: aioredis.Redis, listener: Tap
) -> None:
    (user_id,) = await new_users(session_factory, 1)
    await listener.watch(f"user:{user_id}")
    async with session_factory() as session:
        session.add(
            Badge(
                code="FIRST",
                name="First",
                description="",
                criterion=BadgeCriterion.STREAK_DAYS,
                threshold=1,
            )
        )
        await session.commit()

    await complete(session_factory, user_id, NOW, minutes=60)

    messages = await listener.heard(6)
    mine = f"user:{user_id}"
    events = sorted((channel, body["event"]) for channel, body in messages)
    assert events == [
        ("leaderboard:ALL_TIME:GLOBAL", "leaderboardUpdated"),
        ("leaderboard:MONTHLY:GLOBAL", "leaderboardUpdated"),
        ("leaderboard:WEEKLY:GLOBAL", "leaderboardUpdated"),
        (mine, "badgeEarned"),
        (mine, "pointsAwarded"),
        (mine, "streakUpdated"),
    ]
    bodies = {(channel, body["event"]): body["data"] for channel, body in messages}
    assert bodies[(mine, "pointsAwarded")]["amount"] == 20
    assert bodies[(mine, "streakUpdated")] == {"current": 1, "longest": 1, "freezes": 0}
    assert bodies[(mine, "badgeEarned")]["code"] == "FIRST"
    assert bodies[("leaderboard:WEEKLY:GLOBAL", "leaderboardUpdated")] == {
        "userId": str(user_id),
        "points": 20,
        "periodStart": "2026-11-23",
    }


async def test_a_rolled_back_completion_announces_nothing(
    session_factory: Factory, redis: aioredis.Redis, listener: Tap
) -> None:
    (user_id,) = await new_users(session_factory, 1)
    await listener.watch(f"user:{user_id}")

    async def refuse(_uow: UnitOfWork, _event: TaskCompleted) -> None:
        raise RuntimeError("a later handler fails")

    subscribe(TaskCompleted, refuse)  # runs after gamification's handler
    try:
        with pytest.raises(RuntimeError):
            await complete(session_factory, user_id, NOW, minutes=60, task_id=uuid.uuid4())
    finally:
        unsubscribe(TaskCompleted, refuse)

    assert await listener.heard() == []
    assert await redis.zcard("lb:ALL_TIME") == 0


async def test_the_rollover_tells_each_member_their_result(
    session_factory: Factory, redis: aioredis.Redis, listener: Tap
) -> None:
    first, second = await new_users(session_factory, 2)
    await listener.watch(f"user:{first}", f"user:{second}")
    await complete(session_factory, first, NOW, minutes=60)  # 20
    await complete(session_factory, second, NOW)  # 10
    await listener.heard(10)  # the awards' own: points, streak and three boards each

    await roll_over(session_factory, now=datetime(2026, 12, 1, 9, tzinfo=UTC))

    results = {channel: body for channel, body in await listener.heard(2)}
    assert results == {
        f"user:{first}": {
            "event": "leagueSettled",
            "data": {
                "weekStart": "2026-11-23",
                "rank": 1,
                "points": 20,
                "outcome": "PROMOTED",
                "tier": "BRONZE",
                "nextTier": "SILVER",
            },
        },
        f"user:{second}": {
            "event": "leagueSettled",
            "data": {
                "weekStart": "2026-11-23",
                "rank": 2,
                "points": 10,
                "outcome": "STAYED",
                "tier": "BRONZE",
                "nextTier": "BRONZE",
            },
        },
    }


async def test_missed_days_settle_streaks_at_the_end_of_each_users_day(
    session_factory: Factory, redis: aioredis.Redis, listener: Tap
) -> None:
    frozen, lost, intact, far_east = await new_users(session_factory, 4)
    await listener.watch(*(f"user:{u}" for u in (frozen, lost, intact, far_east)))
    sunday, monday, tuesday = date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 24)

    def streak(user_id: uuid.UUID, current: int, freezes: int, last: date) -> Streak:
        return Streak(
            user_id=user_id,
            current=current,
            longest=current,
            freezes=freezes,
            active_days=current,
            last_active_day=last,
        )

    async with session_factory() as session:
        session.add_all(
            [
                streak(frozen, 5, 1, monday),
                streak(lost, 4, 1, sunday),
                streak(intact, 2, 0, tuesday),
                streak(far_east, 3, 0, monday),
            ]
        )
        # Auckland (UTC+13) with days starting at midnight; the others keep UTC and 4 a.m.
        session.add(Preferences(user_id=far_east, time_zone="Pacific/Auckland", day_start_hour=0))
        await session.commit()

    # Tuesday 14:00 UTC, Wednesday 03:00 in Auckland: there Tuesday was missed (no freeze:
    # lost); on UTC, `lost` missed Monday and spends its freeze.
    assert await settle_streaks(session_factory, now=datetime(2026, 11, 24, 14, tzinfo=UTC)) == 2
    # Wednesday 05:00 UTC: Tuesday has ended on UTC too.
    wednesday = datetime(2026, 11, 25, 5, tzinfo=UTC)
    assert await settle_streaks(session_factory, now=wednesday) == 2
    assert await settle_streaks(session_factory, now=wednesday) == 0  # settled once

    async with session_factory() as session:
        rows = {s.user_id: s for s in await session.scalars(select(Streak))}
    state = {u: (rows[u].current, rows[u].freezes, rows[u].last_active_day) for u in rows}
    assert state == {
        frozen: (5, 0, tuesday),
        lost: (0, 0, monday),
        intact: (2, 0, tuesday),
        far_east: (0, 0, monday),
    }
    heard = await listener.heard(4)
    notices = sorted((channel, body["data"]["current"]) for channel, body in heard)
    assert notices == sorted(
        [(f"user:{lost}", 4), (f"user:{far_east}", 0), (f"user:{frozen}", 5), (f"user:{lost}", 0)]
    )
