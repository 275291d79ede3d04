"""SQL of weekly league cohorts and tiers."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.leagues import LeagueMembership, LeagueOutcome, LeaguePlayer, LeagueTier
from db.models.points import PointBalance
from db.repositories.dialect import insert_or_ignore


class LeagueRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def tier_of(self, user_id: uuid.UUID) -> LeagueTier:
        tier = await self.session.scalar(
            select(LeaguePlayer.tier).where(LeaguePlayer.user_id == user_id)
        )
        return tier or LeagueTier.BRONZE

    async def membership(self, user_id: uuid.UUID, week: date) -> LeagueMembership | None:
        return await self.session.get(LeagueMembership, (week, user_id))

    async def cohort_sizes(self, week: date, tier: LeagueTier) -> dict[int, int]:
        rows = await self.session.execute(
            select(LeagueMembership.cohort, func.count())
            .where(LeagueMembership.week_start == week, LeagueMembership.tier == tier)
            .group_by(LeagueMembership.cohort)
        )
        return {cohort: int(size) for cohort, size in rows}

    async def join(self, user_id: uuid.UUID, week: date, tier: LeagueTier, cohort: int) -> None:
        await self.session.execute(
            insert_or_ignore(self.session, LeagueMembership),
            {"week_start": week, "user_id": user_id, "tier": tier, "cohort": cohort},
        )

    async def standings(
        self, week: date, tier: LeagueTier, cohort: int
    ) -> list[tuple[uuid.UUID, int]]:
        """The cohort's members with their points of that week, best first."""
        weekly = func.coalesce(PointBalance.weekly, 0)
        points = func.coalesce(LeagueMembership.points, weekly)
        rows = await self.session.execute(
            select(LeagueMembership.user_id, points)
            .outerjoin(
                PointBalance,
                (PointBalance.user_id == LeagueMembership.user_id)
                & (PointBalance.week_start == week),
            )
            .where(
                LeagueMembership.week_start == week,
                LeagueMembership.tier == tier,
                LeagueMembership.cohort == cohort,
            )
        )
        ranked = [(user_id, int(p or 0)) for user_id, p in rows]
        ranked.sort(key=lambda row: (-row[1], row[0]))
        return ranked

    async def unsettled_weeks(self, before: date) -> list[date]:
        rows = await self.session.scalars(
            select(LeagueMembership.week_start)
            .where(LeagueMembership.week_start < before, LeagueMembership.outcome.is_(None))
            .distinct()
            .order_by(LeagueMembership.week_start)
        )
        return list(rows)

    async def lock_unsettled(self, week: date) -> list[LeagueMembership]:
        """The week's memberships still without a result, locked: a second rollover running
        at the same time waits, then finds them settled."""
        return list(
            await self.session.scalars(
                select(LeagueMembership)
                .where(LeagueMembership.week_start == week, LeagueMembership.outcome.is_(None))
                .order_by(LeagueMembership.tier, LeagueMembership.cohort, LeagueMembership.user_id)
                .with_for_update()
            )
        )

    async def settle(
        self, week: date, user_id: uuid.UUID, points: int, rank: int, outcome: LeagueOutcome
    ) -> None:
        await self.session.execute(
            update(LeagueMembership)
            .where(LeagueMembership.week_start == week, LeagueMembership.user_id == user_id)
            .values(points=points, rank=rank, outcome=outcome)
        )

    async def move(self, week: date, user_id: uuid.UUID, tier: LeagueTier, cohort: int) -> None:
        await self.session.execute(
            update(LeagueMembership)
            .where(LeagueMembership.week_start == week, LeagueMembership.user_id == user_id)
            .values(tier=tier, cohort=cohort)
        )

    async def set_tier(self, user_id: uuid.UUID, tier: LeagueTier) -> None:
        await self.session.execute(
            insert_or_ignore(self.session, LeaguePlayer), {"user_id": user_id, "tier": tier}
        )
        await self.session.execute(
            update(LeaguePlayer).where(LeaguePlayer.user_id == user_id).values(tier=tier)
        )

    async def results(self, user_id: uuid.UUID, limit: int) -> list[LeagueMembership]:
        return list(
            await self.session.scalars(
                select(LeagueMembership)
                .where(LeagueMembership.user_id == user_id, LeagueMembership.outcome.is_not(None))
                .order_by(LeagueMembership.week_start.desc())
                .limit(limit)
            )
        )
