"""Weekly leagues: cohorts of about 30 per tier, promotion and demotion at the rollover,
results kept, and a second rollover changing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import redis.asyncio as aioredis
from sqlalchemy import select

from db.models.leagues import LeagueMembership, LeagueOutcome, LeaguePlayer, LeagueTier
from resolvers.gamification.leagues import my_league, roll_over
from tests.gamification_helpers import Factory, complete, new_users
from tests.test_leaderboards import viewer

MONDAY = date(2026, 11, 23)
MIDWEEK = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NEXT_WEEK = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def memberships(session_factory: Factory, week: date) -> dict[object, LeagueMembership]:
    async with session_factory() as session:
        rows = await session.scalars(
            select(LeagueMembership).where(LeagueMembership.week_start == week)
        )
        return {row.user_id: row for row in rows}


def results(rows: dict[object, LeagueMembership]) -> dict[object, tuple[object, ...]]:
    return {u: (m.tier, m.cohort, m.rank, m.points, m.outcome) for u, m in rows.items()}


async def tiers(session_factory: Factory) -> dict[object, LeagueTier]:
    async with session_factory() as session:
        return {row.user_id: row.tier for row in await session.scalars(select(LeaguePlayer))}


async def test_first_points_of_the_week_place_users_in_cohorts_of_30(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    users = await new_users(session_factory, 31)
    for user_id in users:
        await complete(session_factory, user_id, MIDWEEK)
        await complete(session_factory, user_id, MIDWEEK)  # later points keep the place

    placed = await memberships(session_factory, MONDAY)
    assert sorted(m.cohort for m in placed.values()) == [1] * 30 + [2]
    assert {m.tier for m in placed.values()} == {LeagueTier.BRONZE}
    assert placed[users[30]].cohort == 2


async def test_rollover_promotes_the_top_and_demotes_the_bottom_once(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    users = await new_users(session_factory, 12)
    async with session_factory() as session:
        session.add_all(LeaguePlayer(user_id=u, tier=LeagueTier.SILVER) for u in users)
        await session.commit()
    # users[i] earns (10 + 5i) x 1.01 rounded half up: a distinct score each, rising with i.
    for i, user_id in enumerate(users):
        await complete(session_factory, user_id, MIDWEEK, minutes=30 * i)

    view = await my_league(session_factory, viewer(users[0]), now=MIDWEEK)
    assert view is not None
    assert (view.week_start, view.tier, view.cohort) == (MONDAY, LeagueTier.SILVER, 1)
    assert (view.promoted, view.demoted) == (3, 2)  # ceil(12 / 5), 12 // 6
    assert [(s.user_id, s.points) for s in view.standings[:3]] == [
        (users[11], 66),
        (users[10], 61),
        (users[9], 56),
    ]
    assert [s.outcome for s in view.standings] == [LeagueOutcome.PROMOTED] * 3 + [
        LeagueOutcome.STAYED
    ] * 7 + [LeagueOutcome.DEMOTED] * 2

    assert await roll_over(session_factory, now=MIDWEEK) == []  # the week is not over
    assert await roll_over(session_factory, now=NEXT_WEEK) == [MONDAY]

    settled = await memberships(session_factory, MONDAY)
    assert [(settled[u].rank, settled[u].outcome) for u in reversed(users)] == [
        (1, LeagueOutcome.PROMOTED),
        (2, LeagueOutcome.PROMOTED),
        (3, LeagueOutcome.PROMOTED),
        *[(rank, LeagueOutcome.STAYED) for rank in range(4, 11)],
        (11, LeagueOutcome.DEMOTED),
        (12, LeagueOutcome.DEMOTED),
    ]
    assert settled[users[11]].points == 66
    assert settled[users[0]].points == 10
    after = await tiers(session_factory)
    assert [after[u] for u in reversed(users)] == [LeagueTier.GOLD] * 3 + [
        LeagueTier.SILVER
    ] * 7 + [LeagueTier.BRONZE] * 2

    # A second rollover (a redelivered job, a second scheduler) changes nothing.
    assert await roll_over(session_factory, now=NEXT_WEEK + timedelta(hours=1)) == []
    assert results(await memberships(session_factory, MONDAY)) == results(settled)
    assert await tiers(session_factory) == after

    # Next week each plays in their new tier.
    await complete(session_factory, users[11], NEXT_WEEK)
    await complete(session_factory, users[0], NEXT_WEEK)
    placed = await memberships(session_factory, MONDAY + timedelta(days=7))
    assert (placed[users[11]].tier, placed[users[0]].tier) == (LeagueTier.GOLD, LeagueTier.BRONZE)


async def test_bronze_is_never_demoted_and_nobody_without_points_is_promoted(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    users = await new_users(session_factory, 6)
    for user_id in users:
        await complete(session_factory, user_id, MIDWEEK)

    await roll_over(session_factory, now=NEXT_WEEK)

    settled = await memberships(session_factory, MONDAY)
    # Six tied users: ranks by id, the first two (ceil(6 / 5)) promoted, none demoted.
    assert [(settled[u].rank, settled[u].outcome) for u in users] == [
        (1, LeagueOutcome.PROMOTED),
        (2, LeagueOutcome.PROMOTED),
        *[(rank, LeagueOutcome.STAYED) for rank in range(3, 7)],
    ]


async def test_points_before_the_rollover_move_to_the_new_tier_with_it(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    users = await new_users(session_factory, 3)
    for i, user_id in enumerate(users):
        await complete(session_factory, user_id, MIDWEEK, minutes=30 * i)
    early_monday = datetime(2026, 11, 30, 0, 10, tzinfo=UTC)
    # users[2] leads (promoted); they earn again at 00:10, before the hourly rollover ran.
    await complete(session_factory, users[2], early_monday)
    assert (await memberships(session_factory, MONDAY + timedelta(days=7)))[users[2]].tier is (
        LeagueTier.BRONZE
    )

    await roll_over(session_factory, now=early_monday + timedelta(minutes=50))

    following = await memberships(session_factory, MONDAY + timedelta(days=7))
    assert (following[users[2]].tier, following[users[2]].cohort) == (LeagueTier.SILVER, 1)
    assert (await tiers(session_factory))[users[2]] is LeagueTier.SILVER
