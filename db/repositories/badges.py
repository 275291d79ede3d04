"""SQL of the badge catalog and earned badges."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import and_, or_, select

from db.base import utcnow
from db.models.badges import Badge, BadgeCriterion, EarnedBadge
from db.repositories.base import Repository
from db.repositories.dialect import insert_or_ignore


class BadgeRepository(Repository[Badge]):
    model = Badge

    async def by_code(self, code: str) -> Badge | None:
        return await self.session.scalar(select(Badge).where(Badge.code == code))

    async def catalog(self) -> list[Badge]:
        return list(
            await self.session.scalars(
                select(Badge).order_by(Badge.criterion, Badge.threshold, Badge.id)
            )
        )

    async def reached_unearned(
        self, user_id: uuid.UUID, values: Mapping[BadgeCriterion, int]
    ) -> list[Badge]:
        """Badges whose threshold one of `values` reaches and the user does not hold yet:
        one indexed look-up per event, never a scan over users."""
        if not values:
            return []
        held = select(EarnedBadge.badge_id).where(EarnedBadge.user_id == user_id)
        reached = or_(
            *(and_(Badge.criterion == c, Badge.threshold <= v) for c, v in values.items())
        )
        return list(
            await self.session.scalars(
                select(Badge)
                .where(reached, Badge.id.not_in(held))
                .order_by(Badge.threshold, Badge.id)
            )
        )

    async def earn(self, user_id: uuid.UUID, badge_id: uuid.UUID, value: int) -> bool:
        """Records the badge once; False when the user already held it."""
        result = await self.session.execute(
            insert_or_ignore(self.session, EarnedBadge, "badge_id"),
            {"user_id": user_id, "badge_id": badge_id, "value": value, "earned_at": utcnow()},
        )
        return result.first() is not None

    async def earned(self, user_id: uuid.UUID) -> list[tuple[EarnedBadge, Badge]]:
        rows = await self.session.execute(
            select(EarnedBadge, Badge)
            .join(Badge, Badge.id == EarnedBadge.badge_id)
            .where(EarnedBadge.user_id == user_id)
            .order_by(EarnedBadge.earned_at, Badge.id)
        )
        return [(earned, badge) for earned, badge in rows]
