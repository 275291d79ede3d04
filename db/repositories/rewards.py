"""SQL of the rewards catalog and redemptions: every change of stock is one conditional
statement, never a read followed by a write."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update

from core.ids import new_id
from db.base import utcnow
from db.models.rewards import Redemption, RedemptionStatus, Reward, RewardTier
from db.repositories.base import Page, Repository
from db.repositories.dialect import insert_or_ignore


class RewardRepository(Repository[Reward]):
    model = Reward

    async def page(self, *, tier: RewardTier | None, first: int, after: str | None) -> Page[Reward]:
        statement = select(Reward)
        if tier is not None:
            statement = statement.where(Reward.tier == tier)
        return await self.paginate(statement, first=first, after=after, order_by=[Reward.id])

    async def take_one(self, reward_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            update(Reward)
            .where(Reward.id == reward_id, Reward.stock > 0)
            .values(stock=Reward.stock - 1, updated_at=utcnow())
            .returning(Reward.id)
        )
        return result.first() is not None

    async def put_back(self, reward_id: uuid.UUID) -> None:
        await self.session.execute(
            update(Reward)
            .where(Reward.id == reward_id)
            .values(stock=Reward.stock + 1, updated_at=utcnow())
        )


class RedemptionRepository(Repository[Redemption]):
    model = Redemption

    async def by_key(self, user_id: uuid.UUID, key: str) -> Redemption | None:
        return await self.session.scalar(
            select(Redemption).where(
                Redemption.user_id == user_id, Redemption.idempotency_key == key
            )
        )

    async def claim(
        self, user_id: uuid.UUID, key: str, reward_id: uuid.UUID, cost: int, balance_after: int
    ) -> uuid.UUID | None:
        """Inserts the redemption under its idempotency key; None when the key is taken
        (a concurrent request with the same key waits here for the first to finish)."""
        now = utcnow()
        result = await self.session.execute(
            insert_or_ignore(self.session, Redemption, "id"),
            {
                "id": new_id(),
                "created_at": now,
                "updated_at": now,
                "user_id": user_id,
                "reward_id": reward_id,
                "cost": cost,
                "status": RedemptionStatus.PENDING,
                "idempotency_key": key,
                "balance_after": balance_after,
            },
        )
        return result.scalar()

    async def forget_keys(self, made_before: datetime, limit: int) -> int:
        """Forgets the idempotency keys of up to `limit` redemptions made before
        `made_before`, oldest first; how many it forgot."""
        oldest = (
            select(Redemption.id)
            .where(Redemption.idempotency_key.is_not(None), Redemption.created_at < made_before)
            .order_by(Redemption.created_at)
            .limit(limit)
        )
        result = await self.session.execute(
            update(Redemption)
            .where(Redemption.id.in_(oldest.scalar_subquery()))
            # Not a change of the redemption's status: `updatedAt` keeps saying when that was.
            .values(idempotency_key=None, updated_at=Redemption.updated_at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def settle(self, redemption_id: uuid.UUID, status: RedemptionStatus) -> Redemption | None:
        """Moves a PENDING redemption to `status`; None if it is not pending any more."""
        result = await self.session.scalars(
            update(Redemption)
            .where(Redemption.id == redemption_id, Redemption.status == RedemptionStatus.PENDING)
            .values(status=status, updated_at=utcnow())
            .returning(Redemption)
        )
        return result.first()

    async def page_of(
        self, user_id: uuid.UUID, *, first: int, after: str | None
    ) -> Page[Redemption]:
        return await self.paginate(
            select(Redemption).where(Redemption.user_id == user_id),
            first=first,
            after=after,
            order_by=[Redemption.id],
        )
