"""Points, levels, streaks, badges, leaderboards and leagues as GraphQL objects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from core.ids import to_global_id
from db.models import badges as badge_models
from db.models import leagues as league_models
from db.models import points as point_models
from graph.gamification.enums import (
    BadgeCriterion,
    EntryKind,
    LeaderboardPeriod,
    LeaderboardScope,
    LeagueOutcome,
    LeagueTier,
    SourceKind,
)
from graph.goals.enums import Difficulty
from graph.permissions import Guarded
from graph.relay import Node
from resolvers.gamification import leaderboards, leagues, points, rules, streaks

SOURCE_TYPE = {
    point_models.SourceKind.TASK: "Task",
    point_models.SourceKind.FOCUS_SESSION: "FocusSession",
    point_models.SourceKind.REDEMPTION: "Redemption",
    point_models.SourceKind.REFUND: "Redemption",
}


@strawberry.type(
    description="My points. `balance` is what I can spend; `total` is every point ever "
    "earned (XP), which sets my level. Weekly and monthly sums follow UTC weeks and months."
)
class PointsSummary:
    balance: int = strawberry.field(
        description="Spendable points: awards and refunds less redemptions."
    )
    total: int = strawberry.field(description="Points ever earned (XP).")
    weekly: int = strawberry.field(description="Points earned this UTC ISO week.")
    monthly: int = strawberry.field(description="Points earned this UTC month.")
    level: int = strawberry.field(description="Level reached with `total` on the published curve.")
    level_starts_at: int = strawberry.field(description="XP at which my level began.")
    next_level_at: int = strawberry.field(description="XP at which the next level begins.")
    progress_to_next_level: float = strawberry.field(
        description="0 to 1 of the way to the next level."
    )

    @classmethod
    def from_summary(cls, summary: points.PointsSummary) -> PointsSummary:
        return cls(
            balance=summary.balance,
            total=summary.total,
            weekly=summary.weekly,
            monthly=summary.monthly,
            level=summary.level,
            level_starts_at=summary.level_floor,
            next_level_at=summary.next_level_at,
            progress_to_next_level=summary.progress_to_next_level,
        )


@strawberry.type(description="A level of the curve: going from level L to L+1 takes 100 x L XP.")
class LevelStep:
    level: int = strawberry.field(description="The level.")
    total_xp: int = strawberry.field(description="XP at which it begins.")

    @classmethod
    def of(cls, level: int) -> LevelStep:
        return cls(level=level, total_xp=rules.xp_to_reach(level))


@strawberry.type(
    description="Why an award is what it is: (base + minute bonus + early bonus) x difficulty "
    "multiplier x streak multiplier, rounded half up, then cut to the day's cap."
)
class PointInputs:
    minutes: int = strawberry.field(
        description="Minutes credited: for a task, its minutes less those its focus sessions "
        "were awarded for already."
    )
    early: bool = strawberry.field(description="Finished at least a day before it was due.")
    difficulty: Difficulty = strawberry.field(description="Difficulty of the work.")
    streak_days: int = strawberry.field(description="My streak on the day of the award.")
    base: int = strawberry.field(description="Base points (10).")
    minute_bonus: int = strawberry.field(description="5 per full 30 minutes.")
    early_bonus: int = strawberry.field(description="10 when early.")
    difficulty_multiplier: float = strawberry.field(description="EASY 1, MEDIUM 1.5, HARD 2.")
    streak_multiplier: float = strawberry.field(description="1 + streak days / 100.")
    computed: int = strawberry.field(description="What the formula gives.")
    daily_cap: int = strawberry.field(description="Most points this kind of source earns a day.")
    earned_today_before: int = strawberry.field(
        description="Earned from this kind of source earlier that day."
    )
    awarded: int = strawberry.field(
        description="What was awarded: the computed points within the cap."
    )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PointInputs:
        return cls(**{**data, "difficulty": Difficulty(data["difficulty"])})


@strawberry.type(description="One entry of my points ledger.")
class PointEntry(Guarded):
    source: strawberry.Private[point_models.PointEntry]
    id: strawberry.ID = strawberry.field(description="Opaque id of the entry.")
    kind: EntryKind = strawberry.field(description="Award, redemption or refund.")
    amount: int = strawberry.field(description="Points added (negative when spent).")
    reason: str = strawberry.field(description="Why, as a code such as TASK_COMPLETED.")
    source_kind: SourceKind = strawberry.field(description="What the entry is for.")
    source_id: strawberry.ID = strawberry.field(
        description="Global id of the task, focus session or redemption it is for."
    )
    day: date = strawberry.field(description="My own calendar day it counts for.")
    created_at: datetime = strawberry.field(description="When it was written.")
    inputs: PointInputs | None = strawberry.field(description="The formula's inputs, for awards.")

    @classmethod
    def from_model(cls, entry: point_models.PointEntry) -> PointEntry:
        return cls(
            source=entry,
            id=strawberry.ID(to_global_id("PointEntry", entry.id)),
            kind=entry.kind,
            amount=entry.amount,
            reason=entry.reason,
            source_kind=entry.source_kind,
            source_id=strawberry.ID(to_global_id(SOURCE_TYPE[entry.source_kind], entry.source_id)),
            day=entry.day,
            created_at=entry.created_at,
            inputs=None if entry.inputs is None else PointInputs.from_json(entry.inputs),
        )


@strawberry.type(
    description="My streak of days with a completed task or focus session, counted in my time "
    "zone with days starting at my day-start hour. Every 7th active day earns a freeze (at "
    "most 2 held); a freeze is spent by itself on a missed day to keep the streak."
)
class Streak:
    current: int = strawberry.field(description="Days in a row, today included once active.")
    longest: int = strawberry.field(description="The longest streak ever.")
    freezes_held: int = strawberry.field(description="Freezes that will cover missed days.")
    last_active_day: date | None = strawberry.field(description="My last day that counted.")
    active_today: bool = strawberry.field(description="Today counts already.")
    today: date = strawberry.field(description="My current day.")

    @classmethod
    def from_view(cls, view: streaks.StreakView) -> Streak:
        return cls(
            current=view.state.current,
            longest=view.state.longest,
            freezes_held=view.state.freezes,
            last_active_day=view.state.last_active_day,
            active_today=view.active_today,
            today=view.today,
        )


@strawberry.type(description="A badge: earned once when its criterion reaches its threshold.")
class Badge(Node):
    code: str = strawberry.field(description="Stable code.")
    name: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="What it is for.")
    criterion: BadgeCriterion = strawberry.field(description="What it measures.")
    threshold: int = strawberry.field(description="The value that earns it.")

    @classmethod
    def from_model(cls, badge: badge_models.Badge) -> Badge:
        return cls(
            id=strawberry.ID(to_global_id("Badge", badge.id)),
            code=badge.code,
            name=badge.name,
            description=badge.description,
            criterion=badge.criterion,
            threshold=badge.threshold,
        )


@strawberry.type(description="A badge I earned.")
class EarnedBadge:
    badge: Badge = strawberry.field(description="The badge.")
    value: int = strawberry.field(description="The criterion's value when I earned it.")
    earned_at: datetime = strawberry.field(description="When.")


@strawberry.type(description="A place on a leaderboard.")
class LeaderboardEntry:
    rank: int = strawberry.field(
        description="1 is first; equal points are ordered by user id (time-ordered, so older "
        "accounts come first)."
    )
    user_id: strawberry.ID = strawberry.field(description="Global id of the user.")
    display_name: str = strawberry.field(description="The user's display name.")
    points: int = strawberry.field(description="Points in the period.")

    @classmethod
    def of(cls, standing: leaderboards.Standing) -> LeaderboardEntry:
        return cls(
            rank=standing.rank,
            user_id=strawberry.ID(to_global_id("User", standing.user_id)),
            display_name=standing.display_name,
            points=standing.points,
        )


@strawberry.type(description="A ranking of points over a period and scope.")
class Leaderboard:
    period: LeaderboardPeriod = strawberry.field(description="The period ranked.")
    scope: LeaderboardScope = strawberry.field(description="Who is ranked.")
    period_start: date | None = strawberry.field(description="First day of the period (UTC).")
    participants: int = strawberry.field(description="Users with points in the period.")
    entries: list[LeaderboardEntry] = strawberry.field(description="The first places.")
    me: LeaderboardEntry | None = strawberry.field(description="My place; null without points.")
    around_me: list[LeaderboardEntry] = strawberry.field(
        description="My place with up to two neighbours on each side, wherever it is."
    )

    @classmethod
    def of(cls, board: leaderboards.Board) -> Leaderboard:
        return cls(
            period=board.period,
            scope=board.scope,
            period_start=board.period_start,
            participants=board.participants,
            entries=[LeaderboardEntry.of(s) for s in board.entries],
            me=None if board.me is None else LeaderboardEntry.of(board.me),
            around_me=[LeaderboardEntry.of(s) for s in board.around_me],
        )


@strawberry.type(description="A member's place in a league cohort.")
class LeagueStanding:
    rank: int = strawberry.field(description="Place in the cohort.")
    user_id: strawberry.ID = strawberry.field(description="Global id of the user.")
    display_name: str = strawberry.field(description="The user's display name.")
    points: int = strawberry.field(description="Points this week.")
    zone: LeagueOutcome = strawberry.field(description="Where the rollover would move them now.")


@strawberry.type(
    description="My league this week: a cohort of about 30 in my tier. At the weekly rollover "
    "(UTC Monday) the top fifth with points moves up a tier and the bottom sixth down."
)
class League:
    week_start: date = strawberry.field(description="Monday of the week (UTC).")
    tier: LeagueTier = strawberry.field(description="The tier of the cohort.")
    cohort: int = strawberry.field(description="The cohort's number within its tier and week.")
    promoted_count: int = strawberry.field(description="How many places move up.")
    demoted_count: int = strawberry.field(description="How many places move down.")
    standings: list[LeagueStanding] = strawberry.field(description="The cohort, best first.")

    @classmethod
    def of(cls, view: leagues.LeagueView) -> League:
        return cls(
            week_start=view.week_start,
            tier=view.tier,
            cohort=view.cohort,
            promoted_count=view.promoted,
            demoted_count=view.demoted,
            standings=[
                LeagueStanding(
                    rank=s.rank,
                    user_id=strawberry.ID(to_global_id("User", s.user_id)),
                    display_name=s.display_name,
                    points=s.points,
                    zone=s.outcome,
                )
                for s in view.standings
            ],
        )


@strawberry.type(description="How one finished week in a league ended for me.")
class LeagueResult:
    week_start: date = strawberry.field(description="Monday of the week (UTC).")
    tier: LeagueTier = strawberry.field(description="The tier I played in.")
    rank: int = strawberry.field(description="My final place in the cohort.")
    points: int = strawberry.field(description="My points that week.")
    outcome: LeagueOutcome = strawberry.field(description="Up, same or down.")

    @classmethod
    def from_model(cls, membership: league_models.LeagueMembership) -> LeagueResult:
        assert membership.rank is not None and membership.outcome is not None
        return cls(
            week_start=membership.week_start,
            tier=membership.tier,
            rank=membership.rank,
            points=membership.points or 0,
            outcome=membership.outcome,
        )
