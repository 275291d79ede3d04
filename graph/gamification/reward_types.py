"""Rewards, redemptions and the payloads of their mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.ids import to_global_id
from db.models import rewards as models
from graph.context import Context
from graph.errors import UserError
from graph.gamification.enums import RedemptionStatus, RewardTier
from graph.gamification.types import Badge
from graph.permissions import Guarded
from graph.relay import Node
from resolvers.gamification.rewards import load_rewards

__all__ = ["Badge", "BadgePayload", "Redemption", "RedemptionPayload", "Reward", "RewardPayload"]


@strawberry.type(description="A reward of the catalog, bought with points.")
class Reward(Node):
    name: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="What it is.")
    cost: int = strawberry.field(description="Points it takes.")
    stock: int = strawberry.field(description="How many are left.")
    tier: RewardTier = strawberry.field(description="Catalog tier.")

    @classmethod
    def from_model(cls, reward: models.Reward) -> Reward:
        return cls(
            id=strawberry.ID(to_global_id("Reward", reward.id)),
            name=reward.name,
            description=reward.description,
            cost=reward.cost,
            stock=reward.stock,
            tier=reward.tier,
        )


@strawberry.type(description="A reward I redeemed.")
class Redemption(Node, Guarded):
    source: strawberry.Private[models.Redemption]
    cost: int = strawberry.field(description="Points paid (refunded as is on cancel).")
    status: RedemptionStatus = strawberry.field(description="Pending, fulfilled or cancelled.")
    idempotency_key: str | None = strawberry.field(
        description="The key it was redeemed with; null once forgotten, 24 hours later."
    )
    created_at: datetime = strawberry.field(description="When it was redeemed.")
    updated_at: datetime = strawberry.field(description="When its status last changed.")

    @strawberry.field(description="The reward redeemed.")
    async def reward(self, info: strawberry.Info[Context, None]) -> Reward:
        found = await info.context.loaders.get(load_rewards).load(self.source.reward_id)
        assert found is not None  # rewards with redemptions cannot be deleted
        return Reward.from_model(found)

    @classmethod
    def from_model(cls, redemption: models.Redemption) -> Redemption:
        return cls(
            source=redemption,
            id=strawberry.ID(to_global_id("Redemption", redemption.id)),
            cost=redemption.cost,
            status=redemption.status,
            idempotency_key=redemption.idempotency_key,
            created_at=redemption.created_at,
            updated_at=redemption.updated_at,
        )


@strawberry.type(description="The result of redeemReward.")
class RedeemRewardPayload:
    redemption: Redemption | None = strawberry.field(
        description="The redemption, if it went through."
    )
    balance: int | None = strawberry.field(
        description="My spendable points right after the redemption (on a replay, as the "
        "first answer said)."
    )
    replayed: bool = strawberry.field(
        description="True when the key was used before and this is its first answer again."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing was redeemed.")


@strawberry.type(description="The result of a mutation on a redemption.")
class RedemptionPayload:
    redemption: Redemption | None = strawberry.field(description="The redemption.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of createReward.")
class RewardPayload:
    reward: Reward | None = strawberry.field(description="The new reward.")
    errors: list[UserError] = strawberry.field(description="Why nothing was created.")


@strawberry.type(description="The result of createBadge.")
class BadgePayload:
    badge: Badge | None = strawberry.field(description="The new badge.")
    errors: list[UserError] = strawberry.field(description="Why nothing was created.")
