"""Reads of points, levels, streaks, badges, leaderboards, leagues and rewards."""

from __future__ import annotations

import uuid

import strawberry

from core.errors import UserInputError
from graph.context import Context
from graph.gamification.enums import (
    LeaderboardPeriod,
    LeaderboardScope,
    RewardTier,
    ScopeId,
    scope_id_of,
)
from graph.gamification.reward_types import Redemption, Reward
from graph.gamification.types import (
    Badge,
    EarnedBadge,
    Leaderboard,
    League,
    LeagueResult,
    LevelStep,
    PointEntry,
    PointsSummary,
    Streak,
)
from graph.permissions import IsAuthenticated
from graph.relay import Connection, check_page_size, connection_of, register_node
from resolvers.gamification import badges, leaderboards, leagues, points, rewards, streaks

MAX_LEVELS = 100
MAX_RESULTS = 52


@strawberry.type
class GamificationQuery:
    @strawberry.field(
        description="My points, level and progress to the next level.",
        permission_classes=[IsAuthenticated],
    )
    async def my_points(self, info: strawberry.Info[Context, None]) -> PointsSummary:
        summary = await points.my_points(info.context.session_factory, info.context.viewer)
        return PointsSummary.from_summary(summary)

    @strawberry.field(
        description="My points ledger, oldest first, each award with the formula's inputs. "
        "`first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def point_history(
        self, info: strawberry.Info[Context, None], first: int, after: str | None = None
    ) -> Connection[PointEntry]:
        page = await points.point_history(
            info.context.session_factory,
            info.context.viewer,
            first=check_page_size(first, info.context.settings.max_page_size),
            after=after,
        )
        return connection_of(page, PointEntry.from_model)

    @strawberry.field(
        description="The published level curve: where each level begins, 1 to `upTo` (at most 100)."
    )
    def level_curve(self, up_to: int = 20) -> list[LevelStep]:
        if not 1 <= up_to <= MAX_LEVELS:
            raise UserInputError(
                f"`upTo` must be between 1 and {MAX_LEVELS}", code="INVALID_LEVEL", field="upTo"
            )
        return [LevelStep.of(level) for level in range(1, up_to + 1)]

    @strawberry.field(
        description="My streak as it stands now.", permission_classes=[IsAuthenticated]
    )
    async def streak(self, info: strawberry.Info[Context, None]) -> Streak:
        return Streak.from_view(
            await streaks.my_streak(info.context.session_factory, info.context.viewer)
        )

    @strawberry.field(
        description="Every badge there is to earn.", permission_classes=[IsAuthenticated]
    )
    async def badges(self, info: strawberry.Info[Context, None]) -> list[Badge]:
        return [
            Badge.from_model(b) for b in await badges.badge_catalog(info.context.session_factory)
        ]

    @strawberry.field(
        description="The badges I earned, first earned first.", permission_classes=[IsAuthenticated]
    )
    async def my_badges(self, info: strawberry.Info[Context, None]) -> list[EarnedBadge]:
        earned = await badges.my_badges(info.context.session_factory, info.context.viewer)
        return [
            EarnedBadge(badge=Badge.from_model(badge), value=row.value, earned_at=row.earned_at)
            for row, badge in earned
        ]

    @strawberry.field(
        description="The first `first` places (1 to 100) of a leaderboard, and my own place "
        "with its neighbours wherever it is.",
        permission_classes=[IsAuthenticated],
    )
    async def leaderboard(
        self,
        info: strawberry.Info[Context, None],
        period: LeaderboardPeriod,
        scope: LeaderboardScope = LeaderboardScope.GLOBAL,
        scope_id: ScopeId = None,
        first: int = 10,
    ) -> Leaderboard:
        board = await leaderboards.leaderboard(
            info.context.session_factory,
            info.context.redis,
            info.context.viewer,
            period,
            scope,
            check_page_size(first, info.context.settings.max_page_size),
            scope_id=scope_id_of(scope, scope_id),
        )
        return Leaderboard.of(board)

    @strawberry.field(
        description="My league cohort this week; null until my first points of the week.",
        permission_classes=[IsAuthenticated],
    )
    async def my_league(self, info: strawberry.Info[Context, None]) -> League | None:
        view = await leagues.my_league(info.context.session_factory, info.context.viewer)
        return None if view is None else League.of(view)

    @strawberry.field(
        description="How my last `last` finished league weeks ended (1 to 52), latest first.",
        permission_classes=[IsAuthenticated],
    )
    async def league_results(
        self, info: strawberry.Info[Context, None], last: int = 10
    ) -> list[LeagueResult]:
        if not 1 <= last <= MAX_RESULTS:
            raise UserInputError(
                f"`last` must be between 1 and {MAX_RESULTS}",
                code="INVALID_PAGE_SIZE",
                field="last",
            )
        found = await leagues.league_results(
            info.context.session_factory, info.context.viewer, last
        )
        return [LeagueResult.from_model(m) for m in found]

    @strawberry.field(
        description="The rewards catalog. `first` 1 to 100.", permission_classes=[IsAuthenticated]
    )
    async def rewards(
        self,
        info: strawberry.Info[Context, None],
        first: int,
        after: str | None = None,
        tier: RewardTier | None = None,
    ) -> Connection[Reward]:
        page = await rewards.reward_catalog(
            info.context.session_factory,
            info.context.viewer,
            tier=tier,
            first=check_page_size(first, info.context.settings.max_page_size),
            after=after,
        )
        return connection_of(page, Reward.from_model)

    @strawberry.field(
        description="My redemptions, oldest first. `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def my_redemptions(
        self, info: strawberry.Info[Context, None], first: int, after: str | None = None
    ) -> Connection[Redemption]:
        page = await rewards.my_redemptions(
            info.context.session_factory,
            info.context.viewer,
            first=check_page_size(first, info.context.settings.max_page_size),
            after=after,
        )
        return connection_of(page, Redemption.from_model)


async def _fetch_reward(info: strawberry.Info[Context, None], id_: uuid.UUID) -> Reward | None:
    found = await rewards.get_reward(info.context.session_factory, info.context.viewer, id_)
    return None if found is None else Reward.from_model(found)


async def _fetch_redemption(
    info: strawberry.Info[Context, None], id_: uuid.UUID
) -> Redemption | None:
    found = await rewards.get_redemption(info.context.session_factory, info.context.viewer, id_)
    return None if found is None else Redemption.from_model(found)


async def _fetch_badge(info: strawberry.Info[Context, None], id_: uuid.UUID) -> Badge | None:
    found = await badges.get_badge(info.context.session_factory, info.context.viewer, id_)
    return None if found is None else Badge.from_model(found)


register_node("Reward", _fetch_reward)
register_node("Redemption", _fetch_redemption)
register_node("Badge", _fetch_badge)
