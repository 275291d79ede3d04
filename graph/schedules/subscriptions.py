from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry

from core.event_bus import Envelope
from core.ids import to_global_id
from graph.context import Context
from graph.events import After, MyEvent, numbered, on_drop, per_event
from graph.permissions import IsAuthenticated
from graph.schedules.types import ScheduleSlot, TaskRisk
from resolvers.access import require_viewer
from resolvers.live import follow_mine
from resolvers.schedules.changes import EVENT, ScheduleChange, change_of

strawberry.enum(
    ScheduleChange,
    name="ScheduleChange",
    description="GENERATED (asked for), REPLANNED (by itself after a change), RESCHEDULED, "
    "LOCKED, UNLOCKED, TASK_FINISHED (a done or skipped task's slots freed).",
)


@strawberry.type(description="My plan changed.")
class ScheduleUpdatedEvent(MyEvent):
    version: int = strawberry.field(description="The plan's version after the change.")
    change: ScheduleChange = strawberry.field(description="What changed it.")
    cause: str | None = strawberry.field(description="For a replan: what set it off.")
    changed_slots: list[ScheduleSlot] = strawberry.field(
        description="Slots added or changed, as they were at that moment."
    )
    removed_slot_ids: list[strawberry.ID] = strawberry.field(description="Slots taken away.")
    at_risk: list[TaskRisk] | None = strawberry.field(
        description="The tasks now at risk, when the change re-evaluated them; null otherwise."
    )

    @classmethod
    def of(cls, envelope: Envelope, user_id: uuid.UUID) -> ScheduleUpdatedEvent:
        plan = change_of(envelope.data, user_id)
        return cls(
            **numbered(envelope),
            version=plan.version,
            change=plan.change,
            cause=plan.cause,
            changed_slots=[ScheduleSlot.from_model(slot) for slot in plan.changed],
            removed_slot_ids=[
                strawberry.ID(to_global_id("ScheduleSlot", slot_id)) for slot_id in plan.removed
            ],
            at_risk=None
            if plan.at_risk is None
            else [TaskRisk.from_model(risk) for risk in plan.at_risk],
        )


@strawberry.type
class ScheduleSubscription:
    @strawberry.subscription(
        description="Changes of my plan: each new plan, replan, move and lock, with the slots "
        "that changed.",
        permission_classes=[IsAuthenticated],
    )
    async def schedule_updated(
        self, info: strawberry.Info[Context, None], after: After = None
    ) -> AsyncGenerator[ScheduleUpdatedEvent, None]:
        user_id = require_viewer(info.context.viewer).user_id
        events = follow_mine(
            info.context.session_factory,
            info.context.viewer,
            {EVENT},
            after=after,
            on_drop=on_drop(info),
        )
        async for envelope in per_event(info, events):
            yield ScheduleUpdatedEvent.of(envelope, user_id)
