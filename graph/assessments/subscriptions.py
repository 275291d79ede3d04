"""My attempts' grades as they are given."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from core.event_bus import Envelope
from core.ids import to_global_id
from graph.context import Context
from graph.events import After, MyEvent, numbered, on_drop, per_event
from graph.permissions import IsAuthenticated
from resolvers.assessments.attempts import SUBMITTED_EVENT
from resolvers.live import follow_mine


@strawberry.type(description="One of my attempts was graded.")
class AttemptSubmittedEvent(MyEvent):
    attempt_id: strawberry.ID = strawberry.field(description="Global id of the attempt.")
    score: int = strawberry.field(description="Points of the right answers.")
    max_score: int = strawberry.field(description="Points of every answer right.")

    @classmethod
    def of(cls, envelope: Envelope) -> AttemptSubmittedEvent:
        data = envelope.data
        return cls(
            **numbered(envelope),
            attempt_id=strawberry.ID(to_global_id("Attempt", data["attemptId"])),
            score=int(data["score"]),
            max_score=int(data["maxScore"]),
        )


@strawberry.type
class AssessmentSubscription:
    @strawberry.subscription(
        description="My attempts as they are graded, on submission or when one whose time ran "
        "out is closed.",
        permission_classes=[IsAuthenticated],
    )
    async def attempt_submitted(
        self, info: strawberry.Info[Context, None], after: After = None
    ) -> AsyncGenerator[AttemptSubmittedEvent, None]:
        events = follow_mine(
            info.context.session_factory,
            info.context.viewer,
            {SUBMITTED_EVENT},
            after=after,
            on_drop=on_drop(info),
        )
        async for envelope in per_event(info, events):
            yield AttemptSubmittedEvent.of(envelope)
