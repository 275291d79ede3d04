from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

import strawberry

from core.event_bus import Envelope
from graph.context import Context
from graph.events import After, on_drop, per_event
from graph.gamification.enums import LeaderboardPeriod, LeaderboardScope, ScopeId, scope_id_of
from graph.gamification.events import (
    BadgeEarnedEvent,
    LeaderboardUpdate,
    PointsAwardedEvent,
    StreakUpdatedEvent,
)
from graph.permissions import IsAuthenticated
from resolvers.gamification.board_updates import board_updates
from resolvers.live import follow_mine


def _mine(
    info: strawberry.Info[Context, None], event: str, after: str | None
) -> AsyncIterator[Envelope]:
    events = follow_mine(
        info.context.session_factory,
        info.context.viewer,
        {event},
        after=after,
        on_drop=on_drop(info),
    )
    return per_event(info, events)


@strawberry.type
class GamificationSubscription:
    @strawberry.subscription(
        description="Points awarded to me.", permission_classes=[IsAuthenticated]
    )
    async def points_awarded(
        self, info: strawberry.Info[Context, None], after: After = None
    ) -> AsyncGenerator[PointsAwardedEvent, None]:
        async for envelope in _mine(info, "pointsAwarded", after):
            yield PointsAwardedEvent.of(envelope)

    @strawberry.subscription(
        description="Changes of my streak.", permission_classes=[IsAuthenticated]
    )
    async def streak_updated(
        self, info: strawberry.Info[Context, None], after: After = None
    ) -> AsyncGenerator[StreakUpdatedEvent, None]:
        async for envelope in _mine(info, "streakUpdated", after):
            yield StreakUpdatedEvent.of(envelope)

    @strawberry.subscription(description="Badges I earn.", permission_classes=[IsAuthenticated])
    async def badge_earned(
        self, info: strawberry.Info[Context, None], after: After = None
    ) -> AsyncGenerator[BadgeEarnedEvent, None]:
        async for envelope in _mine(info, "badgeEarned", after):
            yield BadgeEarnedEvent.of(envelope)

    @strawberry.subscription(
        description="The places that change on a leaderboard, a few times a second at most. "
        "A FRIENDS, GROUP or CHALLENGE board ranks the changed users among its members as "
        "they were when the subscription began.",
        permission_classes=[IsAuthenticated],
    )
    async def leaderboard_updated(
        self,
        info: strawberry.Info[Context, None],
        period: LeaderboardPeriod,
        scope: LeaderboardScope = LeaderboardScope.GLOBAL,
        scope_id: ScopeId = None,
    ) -> AsyncGenerator[LeaderboardUpdate, None]:
        updates = board_updates(
            info.context.session_factory,
            info.context.redis,
            info.context.viewer,
            period,
            scope,
            scope_id=scope_id_of(scope, scope_id),
            on_drop=on_drop(info),
        )
        async for update in per_event(info, updates):
            yield LeaderboardUpdate.of(update)
