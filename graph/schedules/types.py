"""A plan's slots, days and weeks, and the tasks it cannot fit."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from core.ids import to_global_id
from db.models import schedules as models
from graph.context import Context
from graph.permissions import Guarded
from graph.relay import Node
from resolvers import tasks
from resolvers.schedules.slots import DayPlan, PlanState

if TYPE_CHECKING:
    from graph.goals.types import Task

strawberry.enum(
    models.SlotKind,
    name="SlotKind",
    description="TASK: study a task; BREAK: rest between two sessions; BUFFER: time kept "
    "free before a due date; REVIEW: revisit what is due for review. The planner keeps its "
    "buffers as free time rather than as slots.",
)
SlotKind = models.SlotKind
strawberry.enum(
    models.RiskCode,
    name="RiskCode",
    description="Why a task cannot be finished before its due date: NOT_ENOUGH_TIME (too "
    "little free study time before it), DEPENDENCY_LATE (a task it depends on ends too "
    "late), OVERDUE (due before the plan starts), NO_STUDY_WINDOWS (no study time planned "
    "at all; set study windows in the preferences).",
)
RiskCode = models.RiskCode

TaskRef = Annotated["Task", strawberry.lazy("graph.goals.types")]


async def _task(info: strawberry.Info[Context, None], task_id: uuid.UUID) -> TaskRef | None:
    from graph.goals.types import Task

    found = await info.context.loaders.get(tasks.load_tasks).load(task_id)
    return None if found is None else Task.from_model(found, info.context.loaders)


@strawberry.type(description="A stretch of time in my plan.")
class ScheduleSlot(Node, Guarded):
    source: strawberry.Private[models.ScheduleSlot]
    kind: SlotKind = strawberry.field(description="What the time is for.")
    start_at: datetime = strawberry.field(description="When it starts.")
    end_at: datetime = strawberry.field(description="When it ends.")
    reason: str = strawberry.field(description="Why the slot is here, in a sentence.")
    locked: bool = strawberry.field(
        description="Locked slots are never moved by the planner; a slot I rescheduled is "
        "locked where I put it."
    )

    @strawberry.field(description="The task to study (TASK slots).")
    async def task(self, info: strawberry.Info[Context, None]) -> TaskRef | None:
        if self.source.task_id is None:
            return None
        return await _task(info, self.source.task_id)

    @classmethod
    def from_model(cls, slot: models.ScheduleSlot) -> ScheduleSlot:
        return cls(
            source=slot,
            id=strawberry.ID(to_global_id("ScheduleSlot", slot.id)),
            kind=slot.kind,
            start_at=slot.start_at,
            end_at=slot.end_at,
            reason=slot.reason,
            locked=slot.locked,
        )


@strawberry.type(description="A task my plan cannot finish before its due date.")
class TaskRisk:
    source: strawberry.Private[models.TaskRisk]
    code: RiskCode = strawberry.field(description="Why, as a code.")
    reason: str = strawberry.field(description="Why, in a sentence with the figures.")

    @strawberry.field(description="The task at risk.")
    async def task(self, info: strawberry.Info[Context, None]) -> TaskRef | None:
        return await _task(info, self.source.task_id)

    @classmethod
    def from_model(cls, risk: models.TaskRisk) -> TaskRisk:
        return cls(source=risk, code=risk.code, reason=risk.reason)


@strawberry.type(description="One of my days: from my day-start hour to the next, local time.")
class Schedule:
    date: date = strawberry.field(description="The day.")
    starts_at: datetime = strawberry.field(description="When the day starts.")
    ends_at: datetime = strawberry.field(description="When the next day starts.")
    slots: list[ScheduleSlot] = strawberry.field(
        description="The slots that start this day, in time order."
    )

    @classmethod
    def of(cls, day: DayPlan) -> Schedule:
        return cls(
            date=day.day,
            starts_at=day.starts_at,
            ends_at=day.ends_at,
            slots=[ScheduleSlot.from_model(slot) for slot in day.slots],
        )


@strawberry.type(description="Seven of my days.")
class WeekSchedule:
    week_start: date = strawberry.field(description="The first day.")
    days: list[Schedule] = strawberry.field(description="The seven days in order.")


@strawberry.type(description="How my plan stands.")
class PlanStatus:
    version: int = strawberry.field(
        description="Grows with every change of the plan or of what it is made from (0: never "
        "planned)."
    )
    planned_at: datetime | None = strawberry.field(description="When it was last planned.")
    at_risk: list[TaskRisk] = strawberry.field(
        description="Tasks the plan cannot finish before their due date, with the reason."
    )

    @classmethod
    def of(cls, state: PlanState) -> PlanStatus:
        return cls(
            version=state.version,
            planned_at=state.planned_at,
            at_risk=[TaskRisk.from_model(risk) for risk in state.at_risk],
        )
