"""Weekly leagues: a user joins a cohort of about 30 in their tier with their first points
of a week; at the rollover the top of each cohort moves up a tier and the bottom down."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.leagues import LeagueMembership, LeagueOutcome, LeagueTier
from db.repositories.leagues import LeagueRepository
from db.repositories.points import PointRepository
from resolvers.access import Viewer, require_viewer
from resolvers.gamification.rules import week_start
from resolvers.live import tell, user_channel

COHORT_SIZE = 30
TIERS = list(LeagueTier)


def promoted_count(size: int) -> int:
    """The top fifth moves up (6 of 30)."""
    return math.ceil(size / 5)


def demoted_count(size: int) -> int:
    """The bottom sixth moves down (5 of 30), never overlapping the promotion zone."""
    return min(size // 6, size - promoted_count(size))


def outcome_of(tier: LeagueTier, rank: int, size: int, points: int) -> LeagueOutcome:
    index = TIERS.index(tier)
    if rank <= promoted_count(size) and points > 0 and index < len(TIERS) - 1:
        return LeagueOutcome.PROMOTED
    if rank > size - demoted_count(size) and index > 0:
        return LeagueOutcome.DEMOTED
    return LeagueOutcome.STAYED


def next_tier(tier: LeagueTier, outcome: LeagueOutcome) -> LeagueTier:
    index = TIERS.index(tier)
    step = {LeagueOutcome.PROMOTED: 1, LeagueOutcome.DEMOTED: -1, LeagueOutcome.STAYED: 0}[outcome]
    return TIERS[index + step]


async def join_league(session: AsyncSession, user_id: uuid.UUID, week: date) -> None:
    """Places the user in a cohort of their tier this week."""
    leagues = LeagueRepository(session)
    if await leagues.membership(user_id, week) is not None:
        return
    tier = await leagues.tier_of(user_id)
    await leagues.join(user_id, week, tier, await _cohort_with_room(leagues, week, tier))


async def _cohort_with_room(leagues: LeagueRepository, week: date, tier: LeagueTier) -> int:
    """The first cohort of the tier with room that week, or a new one (a race may make a
    cohort one or two larger, which the zones scale with)."""
    sizes = await leagues.cohort_sizes(week, tier)
    return next((c for c in sorted(sizes) if sizes[c] < COHORT_SIZE), len(sizes) + 1)


@dataclass(frozen=True)
class LeagueStanding:
    rank: int
    user_id: uuid.UUID
    display_name: str
    points: int
    outcome: LeagueOutcome


@dataclass(frozen=True)
class LeagueView:
    week_start: date
    tier: LeagueTier
    cohort: int
    standings: list[LeagueStanding]
    promoted: int
    demoted: int


async def my_league(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    now: datetime | None = None,
) -> LeagueView | None:
    """This week's cohort of the caller with its zones as they stand; None before the
    caller's first points of the week."""
    signed_in = require_viewer(viewer)
    week = week_start((now or utcnow()).astimezone(UTC).date())
    async with session_factory() as session:
        leagues = LeagueRepository(session)
        membership = await leagues.membership(signed_in.user_id, week)
        if membership is None:
            return None
        ranked = await leagues.standings(week, membership.tier, membership.cohort)
        names = await PointRepository(session).display_names([user_id for user_id, _ in ranked])
    size = len(ranked)
    standings = [
        LeagueStanding(
            rank,
            user_id,
            names.get(user_id, ""),
            points,
            outcome_of(membership.tier, rank, size, points),
        )
        for rank, (user_id, points) in enumerate(ranked, start=1)
    ]
    return LeagueView(
        week,
        membership.tier,
        membership.cohort,
        standings,
        promoted_count(size),
        demoted_count(size),
    )


async def league_results(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, last: int
) -> list[LeagueMembership]:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        return await LeagueRepository(session).results(signed_in.user_id, last)


async def roll_over(
    session_factory: async_sessionmaker[AsyncSession],
    now: datetime | None = None,
) -> list[date]:
    """Settles every finished week not settled yet, oldest first, each in one transaction:
    final points from the ledger, ranks, outcomes, and the tier each member plays next;
    each member hears their result (`leagueSettled`) after the commit.
    Running it again (a redelivered job, a second scheduler) changes nothing."""
    current = week_start((now or utcnow()).astimezone(UTC).date())
    async with session_factory() as session:
        weeks = await LeagueRepository(session).unsettled_weeks(before=current)
    for week in weeks:
        async with UnitOfWork(session_factory) as uow:
            await _settle_week(uow, week)
            await uow.commit()
    return weeks


async def _settle_week(uow: UnitOfWork, week: date) -> None:
    leagues = LeagueRepository(uow.session)
    members = await leagues.lock_unsettled(week)
    if not members:
        return
    earned = await PointRepository(uow.session).awarded_between(
        [m.user_id for m in members], week, week + timedelta(days=7)
    )
    next_week = week + timedelta(days=7)
    cohorts: dict[tuple[LeagueTier, int], list[LeagueMembership]] = {}
    for member in members:
        cohorts.setdefault((member.tier, member.cohort), []).append(member)
    for (tier, _cohort), cohort in cohorts.items():
        ranked = sorted(cohort, key=lambda m: (-earned.get(m.user_id, 0), m.user_id))
        for rank, member in enumerate(ranked, start=1):
            points = earned.get(member.user_id, 0)
            outcome = outcome_of(tier, rank, len(ranked), points)
            await leagues.settle(week, member.user_id, points, rank, outcome)
            new_tier = next_tier(tier, outcome)
            await leagues.set_tier(member.user_id, new_tier)
            # Points early on Monday, before this ran, placed them by their old tier.
            following = await leagues.membership(member.user_id, next_week)
            if following is not None and following.tier != new_tier:
                place = await _cohort_with_room(leagues, next_week, new_tier)
                await leagues.move(next_week, member.user_id, new_tier, place)
            result = {"weekStart": week, "rank": rank, "points": points, "outcome": outcome}
            result |= {"tier": tier, "nextTier": new_tier}
            tell(uow, user_channel(member.user_id), "leagueSettled", result)
