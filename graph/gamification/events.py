"""What gamification subscriptions deliver."""

from __future__ import annotations

from datetime import date

import strawberry

from core.event_bus import Envelope
from core.ids import to_global_id
from graph.context import Context
from graph.events import MyEvent, numbered
from graph.gamification.enums import LeaderboardPeriod, LeaderboardScope
from graph.gamification.types import LeaderboardEntry, PointsSummary
from resolvers.gamification import points
from resolvers.gamification.board_updates import BoardUpdate


@strawberry.type(description="Points were added to my ledger.")
class PointsAwardedEvent(MyEvent):
    amount: int = strawberry.field(description="Points awarded (0 once a daily cap is hit).")
    reason: str = strawberry.field(description="Why, e.g. TASK_COMPLETED.")
    balance: int = strawberry.field(description="My spendable balance after the award.")
    total: int = strawberry.field(description="My points ever earned after the award.")

    @strawberry.field(description="My points now, read when the event is delivered.")
    async def points(self, info: strawberry.Info[Context, None]) -> PointsSummary:
        summary = await points.my_points(info.context.session_factory, info.context.viewer)
        return PointsSummary.from_summary(summary)

    @classmethod
    def of(cls, envelope: Envelope) -> PointsAwardedEvent:
        data = envelope.data
        return cls(
            **numbered(envelope),
            amount=int(data["amount"]),
            reason=str(data["reason"]),
            balance=int(data["balance"]),
            total=int(data["total"]),
        )


@strawberry.type(description="My streak changed: a day counted, a freeze was spent, or it ended.")
class StreakUpdatedEvent(MyEvent):
    current: int = strawberry.field(description="Days in a row now.")
    longest: int = strawberry.field(description="My longest streak.")
    freezes_held: int = strawberry.field(description="Freezes I hold.")

    @classmethod
    def of(cls, envelope: Envelope) -> StreakUpdatedEvent:
        data = envelope.data
        return cls(
            **numbered(envelope),
            current=int(data["current"]),
            longest=int(data["longest"]),
            freezes_held=int(data["freezes"]),
        )


@strawberry.type(description="I earned a badge.")
class BadgeEarnedEvent(MyEvent):
    badge_id: strawberry.ID = strawberry.field(description="Global id of the badge.")
    code: str = strawberry.field(description="The badge's code.")
    name: str = strawberry.field(description="The badge's name.")

    @classmethod
    def of(cls, envelope: Envelope) -> BadgeEarnedEvent:
        data = envelope.data
        return cls(
            **numbered(envelope),
            badge_id=strawberry.ID(to_global_id("Badge", data["badgeId"])),
            code=str(data["code"]),
            name=str(data["name"]),
        )


@strawberry.type(description="Places that changed on a leaderboard, gathered over a moment.")
class LeaderboardUpdate:
    period: LeaderboardPeriod = strawberry.field(description="The period ranked.")
    scope: LeaderboardScope = strawberry.field(description="Who is ranked.")
    period_start: date | None = strawberry.field(description="First day of the period (UTC).")
    sequence: int = strawberry.field(description="Numbers this subscription's updates.")
    changes: list[LeaderboardEntry] = strawberry.field(
        description="The users whose points changed, at their new places, best first."
    )
    # Nothing here depends on who reads it: every subscriber of the instance gets this one
    # object, resolved once per distinct selection set (see graph/shared_results.py).
    shared_results: strawberry.Private[dict[object, object]]

    @classmethod
    def of(cls, update: BoardUpdate) -> LeaderboardUpdate:
        found = update.rendered.get("graphql")
        if isinstance(found, LeaderboardUpdate):
            return found
        made = cls(
            period=update.period,
            scope=update.scope,
            period_start=update.period_start,
            sequence=update.sequence,
            changes=[LeaderboardEntry.of(standing) for standing in update.changes],
            shared_results={},
        )
        update.rendered["graphql"] = made
        return made
