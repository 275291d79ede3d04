from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from db.models import schedules as models
from graph.context import Context
from graph.errors import UserError, user_errors
from graph.jobs.types import Job
from graph.permissions import IsAuthenticated
from graph.schedules.types import ScheduleSlot
from resolvers.input_rules import local_id
from resolvers.schedules import planning, slots


@strawberry.type(description="The result of asking for a plan.")
class GenerateSchedulePayload:
    job: Job | None = strawberry.field(
        description="The planning job: follow it with `job(id)` or `jobUpdated`; the plan "
        "itself arrives on `scheduleUpdated`."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing was queued, if so.")


@strawberry.type(description="The result of a change to a slot.")
class ScheduleSlotPayload:
    slot: ScheduleSlot | None = strawberry.field(description="The slot after the change.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


def _slot_payload(
    found: models.ScheduleSlot | None, errors: list[UserError]
) -> ScheduleSlotPayload:
    return ScheduleSlotPayload(
        slot=None if found is None else ScheduleSlot.from_model(found), errors=errors
    )


@strawberry.type
class ScheduleMutation:
    @strawberry.mutation(
        description="Plans my open tasks into my study windows for `days` (1 to 14) of my "
        "days from `from` (default today), as a job. Locked slots stay; INVALID_DAYS, "
        "FROM_DATE_IN_PAST (the whole plan before today) and FROM_DATE_TOO_FAR queue nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def generate_schedule(
        self,
        info: strawberry.Info[Context, None],
        days: int = 7,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
    ) -> GenerateSchedulePayload:
        found, errors = await user_errors(
            planning.generate_schedule(
                info.context.session_factory, info.context.viewer, from_, days
            )
        )
        return GenerateSchedulePayload(
            job=None if found is None else Job.from_model(found), errors=errors
        )

    @strawberry.mutation(
        description="Moves the task's next slot (or gives it one, a session long) to `start` "
        "and locks it there; slots in the way are planned again elsewhere. Refused, changing "
        "nothing: NOT_FOUND (not my task), TASK_NOT_OPEN, INVALID_START (no UTC offset, or "
        "not on a whole minute), START_IN_PAST, START_TOO_FAR (over a year ahead), "
        "OUTSIDE_STUDY_WINDOWS (not inside one of my study windows), OVERLAPS_LOCKED_SLOT, "
        "DEPENDENCY_LATER (an open task it depends on is not planned to end before), "
        "DEPENDENT_EARLIER (a task depending on it is planned to start before it would end), "
        "SLOT_LOCKED.",
        permission_classes=[IsAuthenticated],
    )
    async def reschedule_task(
        self, info: strawberry.Info[Context, None], task_id: strawberry.ID, start: datetime
    ) -> ScheduleSlotPayload:
        async def move() -> models.ScheduleSlot:
            return await slots.reschedule_task(
                info.context.session_factory,
                info.context.viewer,
                local_id(task_id, "Task", "taskId"),
                start,
            )

        return _slot_payload(*await user_errors(move()))

    @strawberry.mutation(
        description="Locks one of my slots: the planner never moves it. NOT_FOUND (not my "
        "slot) and SLOT_IN_PAST change nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def lock_slot(
        self, info: strawberry.Info[Context, None], slot_id: strawberry.ID
    ) -> ScheduleSlotPayload:
        return await _set_lock(info, slot_id, locked=True)

    @strawberry.mutation(
        description="Unlocks one of my slots: the next plan may move it. NOT_FOUND (not my "
        "slot) and SLOT_IN_PAST change nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def unlock_slot(
        self, info: strawberry.Info[Context, None], slot_id: strawberry.ID
    ) -> ScheduleSlotPayload:
        return await _set_lock(info, slot_id, locked=False)


async def _set_lock(
    info: strawberry.Info[Context, None], slot_id: strawberry.ID, *, locked: bool
) -> ScheduleSlotPayload:
    async def change() -> models.ScheduleSlot:
        return await slots.set_slot_lock(
            info.context.session_factory,
            info.context.viewer,
            local_id(slot_id, "ScheduleSlot", "slotId"),
            locked,
        )

    return _slot_payload(*await user_errors(change()))
