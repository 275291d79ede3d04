"""Following a challenge live."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graph.context import Context
from graph.events import on_drop, per_event
from graph.permissions import IsAuthenticated
from graph.social.challenge_types import Challenge
from resolvers.input_rules import local_id
from resolvers.social import challenges


@strawberry.type
class ChallengeSubscription:
    @strawberry.subscription(
        description="A challenge I can see as it is now, then each time someone joins or "
        "moves on it; completes once its winners are named.",
        permission_classes=[IsAuthenticated],
    )
    async def challenge_updated(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> AsyncGenerator[Challenge, None]:
        updates = challenges.follow_challenge(
            info.context.session_factory,
            info.context.viewer,
            local_id(id, "Challenge", "id"),
            on_drop(info),
        )
        async for view in per_event(info, updates):
            yield Challenge.of(view)
