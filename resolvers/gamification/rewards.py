"""Rewards: a catalog, redemptions that never overspend or oversell, and their fulfilment
or cancellation (which refunds and restocks)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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
from db.repositories.points import NewEntry, PointRepository
from db.repositories.rewards import RedemptionRepository, RewardRepository
from db.repositories.users import PreferencesRepository
from resolvers.access import Viewer, load_visible, require_role, require_viewer
from resolvers.gamification.rules import local_day
from resolvers.input_rules import clean_text, clean_title, not_found
from resolvers.live import tell, user_channel

MAX_KEY_LENGTH = 255
# A repeated key replays its redemption for at least this long; then it may be used again.
KEY_KEPT = timedelta(hours=24)
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
    viewer: Viewer | None,
    reward_id: uuid.UUID,
    idempotency_key: str,
) -> Redeemed:
    """One transaction of conditional statements: debit the balance if it covers the cost,
    take one from stock if there is any, claim the key, write the ledger entry. Any refusal
    rolls all of it back (and stores nothing, so the key may be sent again). A key used
    before replays its first answer; a key used before for another reward is refused."""
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
            return _replay(uow, earlier, reward_id)
        reward = await RewardRepository(uow.session).get(reward_id)
        if reward is None:
            raise not_found("Reward", "rewardId")
        # The user's balance row first, the shared reward row second (and as briefly as
        # possible): cancellations lock in the same order.
        balance = await points.debit(signed_in.user_id, reward.cost)
        refusal = None
        if balance is None:
            refusal = UserInputError(
                f"Redeeming this reward takes {reward.cost} points",
                code="INSUFFICIENT_POINTS",
                field="rewardId",
            )
        elif not await RewardRepository(uow.session).take_one(reward_id):
            refusal = UserInputError(
                "This reward is out of stock", code="OUT_OF_STOCK", field="rewardId"
            )
        if refusal is not None:
            # A concurrent request with the same key may have spent the points or taken
            # the last one while this one waited: then its answer is this one's too.
            raced = await redemptions.by_key(signed_in.user_id, key)
            if raced is not None:
                return _replay(uow, raced, reward_id)
            raise refusal
        assert balance is not None
        redemption_id = await redemptions.claim(
            signed_in.user_id, key, reward_id, reward.cost, balance
        )
        if redemption_id is None:
            # A concurrent request with the same key committed first: this one's debit and
            # stock roll back, and its answer is the first one.
            raced = await redemptions.by_key(signed_in.user_id, key)
            assert raced is not None
            return _replay(uow, raced, reward_id)
        await points.add_entry(
            NewEntry(
                user_id=signed_in.user_id,
                kind=EntryKind.REDEMPTION,
                amount=-reward.cost,
                reason="REWARD_REDEEMED",
                source_kind=SourceKind.REDEMPTION,
                source_id=redemption_id,
                day=await user_day(uow.session, signed_in.user_id),
            )
        )
        redemption = await redemptions.get(redemption_id)
        assert redemption is not None
        tell(
            uow,
            user_channel(signed_in.user_id),
            "pointsSpent",
            {"redemptionId": str(redemption_id), "amount": -reward.cost, "balance": balance},
        )
        await uow.commit()
    return Redeemed(redemption, balance, replayed=False)


def _replay(uow: UnitOfWork, earlier: Redemption, reward_id: uuid.UUID) -> Redeemed:
    if earlier.reward_id != reward_id:
        raise UserInputError(
            "This idempotency key was used for another reward; use a new key",
            code="IDEMPOTENCY_KEY_REUSED",
            field="idempotencyKey",
        )
    # The unit of work ends without a commit; its rollback would expire the redemption the
    # answer carries.
    uow.session.expunge(earlier)
    return Redeemed(earlier, earlier.balance_after, replayed=True)


async def fulfill_redemption(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    redemption_id: uuid.UUID,
) -> Redemption:
    require_role(viewer, Role.ADMIN)
    async with UnitOfWork(session_factory) as uow:
        settled = await _settle(uow, redemption_id, RedemptionStatus.FULFILLED)
        tell(
            uow,
            user_channel(settled.user_id),
            "redemptionFulfilled",
            {"redemptionId": str(settled.id)},
        )
        await uow.commit()
    return settled


async def cancel_redemption(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    redemption_id: uuid.UUID,
) -> Redemption:
    """Cancels a pending redemption: its reward goes back in stock and its points back to
    the user, as a REFUND entry in the ledger."""
    require_role(viewer, Role.ADMIN)
    async with UnitOfWork(session_factory) as uow:
        settled = await _settle(uow, redemption_id, RedemptionStatus.CANCELLED)
        points = PointRepository(uow.session)
        refund = await points.add_entry(
            NewEntry(
                user_id=settled.user_id,
                kind=EntryKind.REFUND,
                amount=settled.cost,
                reason="REDEMPTION_CANCELLED",
                source_kind=SourceKind.REFUND,
                source_id=settled.id,
                day=await user_day(uow.session, settled.user_id),
            )
        )
        if refund is None:  # the ledger already holds it: crediting again would diverge
            raise RuntimeError(f"redemption {settled.id} was refunded before")
        await points.credit(settled.user_id, settled.cost)
        await RewardRepository(uow.session).put_back(settled.reward_id)
        tell(
            uow,
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


async def user_day(session: AsyncSession, user_id: uuid.UUID) -> date:
    """Today in the user's own calendar, which ledger entries are dated by."""
    preferences = await PreferencesRepository(session).current(user_id)
    return local_day(utcnow(), preferences.time_zone, preferences.day_start_hour)


async def forget_idempotency_keys(
    session_factory: async_sessionmaker[AsyncSession],
    now: datetime | None = None,
    batch: int = 1000,
) -> int:
    """Forgets the keys of redemptions older than KEY_KEPT, a batch per transaction (a
    backlog never makes one long statement); how many it forgot."""
    made_before = (now or utcnow()) - KEY_KEPT
    total = 0
    while True:
        async with session_factory() as session:
            forgotten = await RedemptionRepository(session).forget_keys(made_before, batch)
            await session.commit()
        total += forgotten
        if forgotten < batch:
            return total
