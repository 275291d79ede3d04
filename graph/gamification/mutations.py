"""Redeeming rewards, and the admin's catalog, fulfilment and badge mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.models import badges as badge_models
from db.models import rewards as models
from graph.context import Context
from graph.errors import UserError, user_errors
from graph.gamification.enums import BadgeCriterion, RewardTier
from graph.gamification.reward_types import (
    BadgePayload,
    RedeemRewardPayload,
    Redemption,
    RedemptionPayload,
    Reward,
    RewardPayload,
)
from graph.gamification.types import Badge
from graph.permissions import IsAdmin, IsAuthenticated
from resolvers.gamification import badges, rewards
from resolvers.input_rules import local_id


@strawberry.input(description="A new reward of the catalog.")
class CreateRewardInput:
    name: str = strawberry.field(description="Display name, 1 to 100 characters.")
    cost: int = strawberry.field(description="Points it takes, 1 to 10 000 000.")
    stock: int = strawberry.field(description="How many there are, 0 to 1 000 000.")
    tier: RewardTier = strawberry.field(description="Catalog tier.")
    description: str | None = strawberry.field(
        default=None, description="What it is, at most 500 characters."
    )


@strawberry.input(description="A new badge.")
class CreateBadgeInput:
    code: str = strawberry.field(description="Stable code: capitals, digits and underscores.")
    name: str = strawberry.field(description="Display name, 1 to 100 characters.")
    criterion: BadgeCriterion = strawberry.field(description="What it measures.")
    threshold: int = strawberry.field(description="The value that earns it, 1 to 1 000 000.")
    description: str = strawberry.field(
        default="", description="What it is for, at most 500 characters."
    )


def _redemption_payload(
    found: models.Redemption | None, errors: list[UserError]
) -> RedemptionPayload:
    return RedemptionPayload(
        redemption=None if found is None else Redemption.from_model(found), errors=errors
    )


@strawberry.type
class GamificationMutation:
    @strawberry.mutation(
        description="Buys a reward with points, once per `idempotencyKey`: sending the same key "
        "again (a retry, a double tap) within 24 hours returns the first redemption with "
        "`replayed: true`; the same key for another reward is IDEMPOTENCY_KEY_REUSED. After "
        "24 hours the key is forgotten and may be used again. OUT_OF_STOCK, "
        "INSUFFICIENT_POINTS and an unknown reward (NOT_FOUND) change nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def redeem_reward(
        self,
        info: strawberry.Info[Context, None],
        reward_id: strawberry.ID,
        idempotency_key: Annotated[
            str,
            strawberry.argument(
                description="Any string of 1 to 255 characters the client keeps for this purchase."
            ),
        ],
    ) -> RedeemRewardPayload:
        async def redeem() -> rewards.Redeemed:
            return await rewards.redeem_reward(
                info.context.session_factory,
                info.context.viewer,
                local_id(reward_id, "Reward", "rewardId"),
                idempotency_key,
            )

        done, errors = await user_errors(redeem())
        if done is None:
            return RedeemRewardPayload(redemption=None, balance=None, replayed=False, errors=errors)
        return RedeemRewardPayload(
            redemption=Redemption.from_model(done.redemption),
            balance=done.balance,
            replayed=done.replayed,
            errors=[],
        )

    @strawberry.mutation(
        description="Adds a reward to the catalog (admins).", permission_classes=[IsAdmin]
    )
    async def create_reward(
        self, info: strawberry.Info[Context, None], input: CreateRewardInput
    ) -> RewardPayload:
        draft = rewards.RewardDraft(
            name=input.name,
            description=input.description,
            cost=input.cost,
            stock=input.stock,
            tier=input.tier,
        )
        found, errors = await user_errors(
            rewards.create_reward(info.context.session_factory, info.context.viewer, draft)
        )
        return RewardPayload(
            reward=None if found is None else Reward.from_model(found), errors=errors
        )

    @strawberry.mutation(
        description="Marks a pending redemption delivered (admins); any other state is "
        "INVALID_REDEMPTION_STATE.",
        permission_classes=[IsAdmin],
    )
    async def fulfill_redemption(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> RedemptionPayload:
        async def fulfil() -> models.Redemption:
            return await rewards.fulfill_redemption(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "Redemption", "id"),
            )

        return _redemption_payload(*await user_errors(fulfil()))

    @strawberry.mutation(
        description="Cancels a pending redemption (admins): the points go back to the user as a "
        "REFUND entry and the reward back in stock.",
        permission_classes=[IsAdmin],
    )
    async def cancel_redemption(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> RedemptionPayload:
        async def cancel() -> models.Redemption:
            return await rewards.cancel_redemption(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "Redemption", "id"),
            )

        return _redemption_payload(*await user_errors(cancel()))

    @strawberry.mutation(
        description="Adds a badge (admins). Users earn it on their next event that moves its "
        "criterion, never by a scan over every user.",
        permission_classes=[IsAdmin],
    )
    async def create_badge(
        self, info: strawberry.Info[Context, None], input: CreateBadgeInput
    ) -> BadgePayload:
        draft = badges.BadgeDraft(
            code=input.code,
            name=input.name,
            description=input.description,
            criterion=badge_models.BadgeCriterion(input.criterion),
            threshold=input.threshold,
        )
        found, errors = await user_errors(
            badges.create_badge(info.context.session_factory, info.context.viewer, draft)
        )
        return BadgePayload(badge=None if found is None else Badge.from_model(found), errors=errors)
