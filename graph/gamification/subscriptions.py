from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from graph.context import Context
from graph.events import on_drop, per_event
from graph.gamification.enums import LeaderboardPeriod, LeaderboardScope
from graph.gamification.events import (
    BadgeEarnedEvent,
    LeaderboardUpdate,
    PointsAwardedEvent,
    StreakUpdatedEvent,
)
from graph.permissions import IsAuthenticated
from resolvers.gamification.board_updates import board_updates
from resolvers.live import follow_mine

AFTER = strawberry.argument(
    description="A cursor of an event received before: what came after it is replayed "
    "first, then live events follow, with no gap and no duplicate. Omitted: from now on."
)


@strawberry.type
class GamificationSubscription:
    @strawberry.subscription(
        description="Points awarded to me.", permission_classes=[IsAuthenticated]
    )
    async def points_awarded(
        self, info: strawberry.Info[Context, None], after: Annotated[str | None, AFTER] = None
    ) -> AsyncGenerator[PointsAwardedEvent, None]:
        events = follow_mine(
            info.context.session_factory,
            info.context.viewer,
            {"pointsAwarded"},
            after=after,
            on_drop=on_drop(info),
        )
        async for envelope in per_event(info, events):
            yield PointsAwardedEvent.of(envelope)

    @strawberry.subscription(
        description="Changes of my streak.", permission_classes=[IsAuthenticated]
    )
    async def streak_updated(
        self, info: strawberry.Info[Context, None], after: Annotated[str | None, AFTER] = None
    ) -> AsyncGenerator[StreakUpdatedEvent, None]:
        events = follow_mine(
            info.context.session_factory,
            info.context.viewer,
            {"streakUpdated"},
            after=after,
            on_drop=on_drop(info),
        )
        async for envelope in per_event(info, events):
            yield StreakUpdatedEvent.of(envelope)

    @strawberry.subscription(description="Badges I earn.", permission_classes=[IsAuthenticated])
    async def badge_earned(
        self, info: strawberry.Info[Context, None], after: Annotated[str | None, AFTER] = None
    ) -> AsyncGenerator[BadgeEarnedEvent, None]:
        events = follow_mine(
            info.context.session_factory,
            info.context.viewer,
            {"badgeEarned"},
            after=after,
            on_drop=on_drop(info),
        )
        async for envelope in per_event(info, events):
            yield BadgeEarnedEvent.of(envelope)

    @strawberry.subscription(
        description="The places that change on a leaderboard, a few times a second at most.",
        permission_classes=[IsAuthenticated],
    )
    async def leaderboard_updated(
        self,
        info: strawberry.Info[Context, None],
        period: LeaderboardPeriod,
        scope: LeaderboardScope = LeaderboardScope.GLOBAL,
        scope_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The friend list's owner, group or challenge of a non-GLOBAL scope."
            ),
        ] = None,
    ) -> AsyncGenerator[LeaderboardUpdate, None]:
        updates = board_updates(
            info.context.session_factory,
            info.context.redis,
            info.context.viewer,
            period,
            scope,
            on_drop=on_drop(info),
        )
        async for update in per_event(info, updates):
            yield LeaderboardUpdate.of(update)
