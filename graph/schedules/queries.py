from __future__ import annotations

import uuid
from datetime import date

import strawberry

from graph.context import Context
from graph.permissions import IsAuthenticated
from graph.relay import Connection, check_page_size, connection_of, register_node
from graph.schedules.types import PlanStatus, Schedule, ScheduleSlot, WeekSchedule
from resolvers.schedules import slots
from resolvers.schedules.slots import WEEK_DAYS


async def _fetch_slot(
    info: strawberry.Info[Context, None], slot_id: uuid.UUID
) -> ScheduleSlot | None:
    found = await slots.get_slot(info.context.session_factory, info.context.viewer, slot_id)
    return None if found is None else ScheduleSlot.from_model(found)


register_node("ScheduleSlot", _fetch_slot)


@strawberry.type
class ScheduleQuery:
    @strawberry.field(
        description="My plan for one of my days (from my day-start hour, in my time zone); "
        "INVALID_DATE outside 1970 to 9000.",
        permission_classes=[IsAuthenticated],
    )
    async def schedule(self, info: strawberry.Info[Context, None], date: date) -> Schedule:
        (day,) = await slots.day_plans(
            info.context.session_factory, info.context.viewer, date, 1, "date"
        )
        return Schedule.of(day)

    @strawberry.field(
        description="My plan for the seven days from `weekStart`.",
        permission_classes=[IsAuthenticated],
    )
    async def week_schedule(
        self, info: strawberry.Info[Context, None], week_start: date
    ) -> WeekSchedule:
        days = await slots.day_plans(
            info.context.session_factory, info.context.viewer, week_start, WEEK_DAYS, "weekStart"
        )
        return WeekSchedule(week_start=week_start, days=[Schedule.of(day) for day in days])

    @strawberry.field(
        description="My slots not over yet, soonest first. `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def upcoming_slots(
        self, info: strawberry.Info[Context, None], first: int, after: str | None = None
    ) -> Connection[ScheduleSlot]:
        page = await slots.upcoming_slots(
            info.context.session_factory,
            info.context.viewer,
            check_page_size(first, info.context.settings.max_page_size),
            after,
        )
        return connection_of(page, ScheduleSlot.from_model)

    @strawberry.field(
        description="My plan's version, when it was planned and the tasks it puts at risk.",
        permission_classes=[IsAuthenticated],
    )
    async def plan_status(self, info: strawberry.Info[Context, None]) -> PlanStatus:
        state = await slots.plan_state(info.context.session_factory, info.context.viewer)
        return PlanStatus.of(state)
