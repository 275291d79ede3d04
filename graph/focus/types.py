"""Focus sessions, their statistics and blocked sites as GraphQL objects."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.ids import to_global_id
from db.base import utcnow
from db.models import focus as models
from graph.context import Context
from graph.errors import UserError
from graph.goals.types import Task
from graph.permissions import Guarded
from graph.relay import Node
from resolvers import focus, tasks

strawberry.enum(
    models.FocusStatus,
    name="FocusStatus",
    description="ACTIVE and PAUSED sessions are open; COMPLETED and ABANDONED have ended.",
)
FocusStatus = models.FocusStatus
strawberry.enum(
    models.DistractionKind, name="DistractionKind", description="What pulled the user away."
)
DistractionKind = models.DistractionKind
strawberry.enum(
    focus.FocusPeriod,
    name="FocusPeriod",
    description="A window ending now: DAY is 24 hours, WEEK 7 days, MONTH 30 days.",
)
FocusPeriod = focus.FocusPeriod


@strawberry.type(description="A stretch of focused study; paused time does not count.")
class FocusSession(Node, Guarded):
    source: strawberry.Private[models.FocusSession]
    status: FocusStatus = strawberry.field(description="Open or how it ended.")
    planned_minutes: int = strawberry.field(description="How long the user meant to focus.")
    started_at: datetime = strawberry.field(description="When it started.")
    ended_at: datetime | None = strawberry.field(description="When it was completed or abandoned.")
    pause_count: int = strawberry.field(description="How many times it was paused.")
    distraction_count: int = strawberry.field(description="Distractions logged during it.")

    @strawberry.field(
        description="Minutes focused so far (to the nearest): elapsed time less every pause."
    )
    def focused_minutes(self) -> int:
        return focus.minutes(focus.focused_seconds(self.source, utcnow()))

    @strawberry.field(description="The task worked on, if any.")
    async def task(self, info: strawberry.Info[Context, None]) -> Task | None:
        if self.source.task_id is None:
            return None
        found = await info.context.loaders.get(tasks.load_tasks).load(self.source.task_id)
        return None if found is None else Task.from_model(found, info.context.loaders)

    @classmethod
    def from_model(cls, session: models.FocusSession) -> FocusSession:
        return cls(
            source=session,
            id=strawberry.ID(to_global_id("FocusSession", session.id)),
            status=session.status,
            planned_minutes=session.planned_minutes,
            started_at=session.started_at,
            ended_at=session.ended_at,
            pause_count=session.pause_count,
            distraction_count=session.distraction_count,
        )


@strawberry.type(description="How focused study went over a period (sessions that ended in it).")
class FocusStats:
    focused_minutes: int = strawberry.field(description="Focused minutes of completed sessions.")
    sessions: int = strawberry.field(description="Completed sessions.")
    abandoned_sessions: int = strawberry.field(description="Abandoned sessions.")
    average_session_minutes: float = strawberry.field(
        description="Focused minutes per completed session."
    )
    distractions_per_hour: float = strawberry.field(
        description="Distractions logged per focused hour of completed sessions."
    )
    productivity_score: int = strawberry.field(
        description="0 to 100: 100 x completionRate x focusRatio / (1 + "
        "distractionsPerHour / 4), rounded half up, where completionRate = sessions / (sessions + "
        "abandonedSessions) and focusRatio = focused / (focused + paused) time of the "
        "completed sessions; 0 without a completed session."
    )

    @classmethod
    def from_stats(cls, stats: focus.FocusStats) -> FocusStats:
        return cls(
            focused_minutes=stats.focused_minutes,
            sessions=stats.sessions,
            abandoned_sessions=stats.abandoned_sessions,
            average_session_minutes=stats.average_session_minutes,
            distractions_per_hour=stats.distractions_per_hour,
            productivity_score=stats.productivity_score,
        )


@strawberry.type(description="A site focus-mode clients block while the user focuses.")
class BlockedSite(Node, Guarded):
    source: strawberry.Private[models.BlockedSite]
    pattern: str = strawberry.field(description="Host name; `*.` covers every subdomain.")
    active: bool = strawberry.field(description="Whether clients block it now.")

    @classmethod
    def from_model(cls, site: models.BlockedSite) -> BlockedSite:
        return cls(
            source=site,
            id=strawberry.ID(to_global_id("BlockedSite", site.id)),
            pattern=site.pattern,
            active=site.active,
        )


@strawberry.type(description="The result of a change to a focus session.")
class FocusSessionPayload:
    focus_session: FocusSession | None = strawberry.field(description="The session after it.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


@strawberry.type(description="The result of a change to the blocked sites.")
class BlockedSitePayload:
    blocked_site: BlockedSite | None = strawberry.field(description="The site after the change.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


@strawberry.type(description="The result of removing a blocked site.")
class RemoveBlockedSitePayload:
    removed_blocked_site_id: strawberry.ID | None = strawberry.field(
        description="Id of the removed site."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")
