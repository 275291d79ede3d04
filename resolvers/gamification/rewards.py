"""Rewards: a catalog, redemptions that never overspend or oversell, and their fulfilment
or cancellation (which refunds and restocks)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.points import EntryKind, SourceKind
from db.models.rewards import (
    DESCRIPTION_MAX,
    NAME_MAX,
    Redemption,
    RedemptionStatus,
    Reward,
    RewardTier,
)
from db.models.users import Role
from db.repositories.base import Page
from db.repositories.points import PointRepository
from db.repositories.rewards import RedemptionRepository, RewardRepository
from resolvers.access import Viewer, load_visible, require_role, require_viewer
from resolvers.gamification.notices import announce, user_channel
from resolvers.input_rules import clean_text, clean_title, not_found

MAX_KEY_LENGTH = 100
MAX_COST = 10_000_000
MAX_STOCK = 1_000_000


@dataclass(frozen=True)
class RewardDraft:
    name: str
    description: str | None
    cost: int
    stock: int
    tier: RewardTier


@dataclass(frozen=True)
class Redeemed:
    redemption: Redemption
    balance: int
    # True when the key had been used before and this is the first answer again.
    replayed: bool


async def create_reward(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, draft: RewardDraft
) -> Reward:
    require_role(viewer, Role.ADMIN)
    name = clean_title(draft.name, "name", most=NAME_MAX)
    description = clean_text(draft.description, "description", most=DESCRIPTION_MAX) or ""
    if not 1 <= draft.cost <= MAX_COST:
        raise UserInputError(
            f"The cost must be between 1 and {MAX_COST}", code="INVALID_COST", field="cost"
        )
    if not 0 <= draft.stock <= MAX_STOCK:
        raise UserInputError(
            f"The stock must be between 0 and {MAX_STOCK}", code="INVALID_STOCK", field="stock"
        )
    async with UnitOfWork(session_factory) as uow:
        reward = RewardRepository(uow.session).add(
            Reward(
                name=name,
                description=description,
                cost=draft.cost,
                stock=draft.stock,
                tier=draft.tier,
            )
        )
        await uow.commit()
    return reward


async def redeem_reward(
    session_factory: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis,
    viewer: Viewer | None,
    reward_id: uuid.UUID,
    idempotency_key: str,
) -> Redeemed:
    """One transaction of conditional statements: claim the key, take one from stock if
    there is any, debit the balance if it covers the cost, write the ledger entry. Any
    refusal rolls all of it back. A key used before replays its first redemption; a key
    used before for another reward is refused."""
    signed_in = require_viewer(viewer)
    key = idempotency_key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise UserInputError(
            f"An idempotency key is 1 to {MAX_KEY_LENGTH} characters",
            code="INVALID_IDEMPOTENCY_KEY",
            field="idempotencyKey",
        )
    async with UnitOfWork(session_factory) as uow:
        redemptions = RedemptionRepository(uow.session)
        points = PointRepository(uow.session)
        earlier = await redemptions.by_key(signed_in.user_id, key)
        if earlier is not None:
            return await _replay(points, earlier, reward_id)
        reward = await RewardRepository(uow.session).get(reward_id)
        if reward is None:
            raise not_found("Reward", "rewardId")
        redemption_id = await redemptions.claim(signed_in.user_id, key, reward_id, reward.cost)
        if redemption_id is None:
            # A concurrent request with the same key committed first.
            raced = await redemptions.by_key(signed_in.user_id, key)
            assert raced is not None
            return await _replay(points, raced, reward_id)
        if not await RewardRepository(uow.session).take_one(reward_id):
            raise UserInputError(
                "This reward is out of stock", code="OUT_OF_STOCK", field="rewardId"
            )
        if not await points.debit(signed_in.user_id, reward.cost):
            raise UserInputError(
                f"Redeeming this reward takes {reward.cost} points",
                code="INSUFFICIENT_POINTS",
                field="rewardId",
            )
        now = utcnow()
        await points.add_entry(
            user_id=signed_in.user_id,
            kind=EntryKind.REDEMPTION,
            amount=-reward.cost,
            reason="REWARD_REDEEMED",
            source_kind=SourceKind.REDEMPTION,
            source_id=redemption_id,
            day=now.astimezone(UTC).date(),
        )
        balance = await points.balance(signed_in.user_id)
        assert balance is not None
        redemption = await redemptions.get(redemption_id)
        assert redemption is not None
        announce(
            uow,
            redis,
            user_channel(signed_in.user_id),
            "pointsSpent",
            {
                "redemptionId": str(redemption_id),
                "amount": -reward.cost,
                "balance": balance.balance,
            },
        )
        await uow.commit()
    return Redeemed(redemption, balance.balance, replayed=False)


async def _replay(points: PointRepository, earlier: Redemption, reward_id: uuid.UUID) -> Redeemed:
    if earlier.reward_id != reward_id:
        raise UserInputError(
            "This idempotency key was used for another reward; use a new key",
            code="IDEMPOTENCY_KEY_REUSED",
            field="idempotencyKey",
        )
    balance = await points.balance(earlier.user_id)
    # The unit of work ends without a commit (nothing changed); its rollback would expire
    # the redemption the answer carries.
    points.session.expunge(earlier)
    return Redeemed(earlier, balance.balance if balance else 0, replayed=True)


async def fulfill_redemption(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    redemption_id: uuid.UUID,
) -> Redemption:
    require_role(viewer, Role.ADMIN)
    async with UnitOfWork(session_factory) as uow:
        settled = await _settle(uow, redemption_id, RedemptionStatus.FULFILLED)
        await uow.commit()
    return settled


async def cancel_redemption(
    session_factory: async_sessionmaker[AsyncSession],
    redis: aioredis.Redis,
    viewer: Viewer | None,
    redemption_id: uuid.UUID,
) -> Redemption:
    """Cancels a pending redemption: its reward goes back in stock and its points back to
    the user, as a REFUND entry in the ledger."""
    require_role(viewer, Role.ADMIN)
    async with UnitOfWork(session_factory) as uow:
        settled = await _settle(uow, redemption_id, RedemptionStatus.CANCELLED)
        await RewardRepository(uow.session).put_back(settled.reward_id)
        points = PointRepository(uow.session)
        await points.credit(settled.user_id, settled.cost)
        await points.add_entry(
            user_id=settled.user_id,
            kind=EntryKind.REFUND,
            amount=settled.cost,
            reason="REDEMPTION_CANCELLED",
            source_kind=SourceKind.REFUND,
            source_id=settled.id,
            day=utcnow().date(),
        )
        announce(
            uow,
            redis,
            user_channel(settled.user_id),
            "pointsRefunded",
            {"redemptionId": str(settled.id), "amount": settled.cost},
        )
        await uow.commit()
    return settled


async def _settle(
    uow: UnitOfWork, redemption_id: uuid.UUID, status: RedemptionStatus
) -> Redemption:
    redemptions = RedemptionRepository(uow.session)
    settled = await redemptions.settle(redemption_id, status)
    if settled is None:
        if await redemptions.get(redemption_id) is None:
            raise not_found("Redemption", "id")
        raise UserInputError(
            "Only a pending redemption can be fulfilled or cancelled",
            code="INVALID_REDEMPTION_STATE",
            field="id",
        )
    return settled


async def reward_catalog(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    *,
    tier: RewardTier | None,
    first: int,
    after: str | None,
) -> Page[Reward]:
    require_viewer(viewer)
    async with session_factory() as session:
        return await RewardRepository(session).page(tier=tier, first=first, after=after)


async def my_redemptions(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    *,
    first: int,
    after: str | None,
) -> Page[Redemption]:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        return await RedemptionRepository(session).page_of(
            signed_in.user_id, first=first, after=after
        )


async def load_rewards(
    session_factory: async_sessionmaker[AsyncSession], ids: Sequence[uuid.UUID]
) -> list[Reward | None]:
    async with session_factory() as session:
        found = await RewardRepository(session).get_many(ids)
    return [found.get(i) for i in ids]


async def get_reward(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, reward_id: uuid.UUID
) -> Reward | None:
    return await load_visible(session_factory, viewer, RewardRepository, reward_id)


async def get_redemption(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    redemption_id: uuid.UUID,
) -> Redemption | None:
    return await load_visible(session_factory, viewer, RedemptionRepository, redemption_id)
