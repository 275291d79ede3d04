"""Reading a plan by day, week or what comes next, and the owner's own changes to it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.goals import OPEN_TASK_STATUSES
from db.models.schedules import SchedulePlan, ScheduleSlot, SlotKind, TaskRisk
from db.repositories.base import Page
from db.repositories.schedules import (
    SchedulePlanRepository,
    ScheduleSlotRepository,
    TaskRiskRepository,
)
from db.repositories.tasks import TaskRepository
from db.repositories.users import PreferencesRepository, UserRepository
from resolvers.access import Viewer, load_visible, register_owned, require_viewer
from resolvers.input_rules import not_found
from resolvers.schedules.changes import ScheduleChange, tell_schedule
from resolvers.schedules.planning import request_replan
from resolvers.schedules.timeline import Calendar

register_owned(ScheduleSlot, lambda slot: slot.user_id)

WEEK_DAYS = 7
# A moved slot keeps its length; a task with no slot yet gets one session (or less).
RESCHEDULE_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class DayPlan:
    day: date
    starts_at: datetime
    ends_at: datetime
    slots: list[ScheduleSlot]


@dataclass(frozen=True)
class PlanState:
    version: int
    planned_at: datetime | None
    at_risk: list[TaskRisk]


async def day_plans(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    first_day: date,
    days: int,
) -> list[DayPlan]:
    """The caller's slots of `days` of their days from `first_day`, one read for all."""
    user_id = require_viewer(viewer).user_id
    async with session_factory() as session:
        calendar = Calendar.of(await PreferencesRepository(session).current(user_id))
        bounds = [calendar.day_start(first_day + timedelta(days=i)) for i in range(days + 1)]
        slots = await ScheduleSlotRepository(session).between(user_id, bounds[0], bounds[-1])
    return [
        DayPlan(
            day=first_day + timedelta(days=i),
            starts_at=bounds[i],
            ends_at=bounds[i + 1],
            # A slot belongs to the day it starts in.
            slots=[s for s in slots if bounds[i] <= s.start_at < bounds[i + 1]],
        )
        for i in range(days)
    ]


async def get_slot(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, slot_id: uuid.UUID
) -> ScheduleSlot | None:
    return await load_visible(session_factory, viewer, ScheduleSlotRepository, slot_id)


async def plan_state(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None
) -> PlanState:
    user_id = require_viewer(viewer).user_id
    async with session_factory() as session:
        plan = await SchedulePlanRepository(session).get(user_id)
        risks = await TaskRiskRepository(session).for_user(user_id)
    return PlanState(
        version=0 if plan is None else plan.version,
        planned_at=None if plan is None else plan.planned_at,
        at_risk=sorted(risks, key=lambda r: r.task_id),
    )


async def upcoming_slots(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    first: int,
    after: str | None,
) -> Page[ScheduleSlot]:
    """The caller's slots not over yet, soonest first."""
    user_id = require_viewer(viewer).user_id
    async with session_factory() as session:
        return await ScheduleSlotRepository(session).upcoming(user_id, utcnow(), first, after)


async def load_next_slots(
    session_factory: async_sessionmaker[AsyncSession], task_ids: Sequence[uuid.UUID]
) -> list[ScheduleSlot | None]:
    """DataLoader batch: each task's next slot, whose reason is the task's."""
    async with session_factory() as session:
        found = await ScheduleSlotRepository(session).first_of_tasks(task_ids, utcnow())
    return [found.get(task_id) for task_id in task_ids]


async def load_risks(
    session_factory: async_sessionmaker[AsyncSession], task_ids: Sequence[uuid.UUID]
) -> list[TaskRisk | None]:
    async with session_factory() as session:
        found = await TaskRiskRepository(session).of_tasks(task_ids)
    return [found.get(task_id) for task_id in task_ids]


async def reschedule_task(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    task_id: uuid.UUID,
    start: datetime,
) -> ScheduleSlot:
    """Moves the task's next slot (or gives it one) to `start` and pins it there.

    Refused, changing nothing: someone else's or a finished task, a start in the past, a
    slot that would not lie inside one study window, one that overlaps a locked slot, a
    start before a task it depends on is planned to end, or a locked next slot.
    Unlocked slots in the way are planned again elsewhere.
    """
    user_id = require_viewer(viewer).user_id
    now = utcnow()
    if start < now - RESCHEDULE_GRACE:
        raise UserInputError("Pick a start in the future", code="START_IN_PAST", field="start")
    async with UnitOfWork(session_factory) as uow:
        await UserRepository(uow.session).lock(user_id)
        await hold_plan(uow, user_id)
        tasks = TaskRepository(uow.session)
        task = (await tasks.owned(user_id, [task_id])).get(task_id)
        if task is None:
            raise not_found("Task", "taskId")
        if task.status not in OPEN_TASK_STATUSES:
            raise UserInputError(
                "Only an open task can be rescheduled", code="TASK_NOT_OPEN", field="taskId"
            )
        preferences = await PreferencesRepository(uow.session).current(user_id)
        calendar = Calendar.of(preferences)
        slots = ScheduleSlotRepository(uow.session)
        slot = await slots.next_of_task(task_id, now)
        if slot is not None and slot.locked:
            raise UserInputError(
                "The task's next slot is locked; unlock it first",
                code="SLOT_LOCKED",
                field="taskId",
            )
        length = (
            slot.end_at - slot.start_at
            if slot is not None
            else timedelta(minutes=min(preferences.session_minutes, task.estimated_minutes))
        )
        end = start + length
        _check_inside_window(calendar, start, end)
        nearby = await slots.between(user_id, start, end)
        if any(other.locked and other is not slot for other in nearby):
            raise UserInputError(
                "That time overlaps a locked slot", code="OVERLAPS_LOCKED_SLOT", field="start"
            )
        prerequisites = (await tasks.dependency_ids([task_id]))[task_id]
        if await slots.any_ending_after(prerequisites, start):
            raise UserInputError(
                "A task this one depends on is planned to end after that start",
                code="DEPENDENCY_LATER",
                field="start",
            )
        displaced = [other.id for other in nearby if other is not slot]
        await slots.delete_many(displaced)
        if slot is None:
            slot = slots.add(
                ScheduleSlot(
                    user_id=user_id,
                    kind=SlotKind.TASK,
                    task_id=task_id,
                    start_at=start,
                    end_at=end,
                    reason="",
                )
            )
        slot.start_at, slot.end_at, slot.locked = start, end, True
        slot.reason = f"You moved it to {start.astimezone(calendar.zone):%a %H:%M}."
        await uow.session.flush()
        version = await bump_version(uow, user_id)
        tell_schedule(
            uow,
            user_id,
            version=version,
            change=ScheduleChange.RESCHEDULED,
            changed=[slot],
            removed=displaced,
        )
        if displaced:
            await request_replan(uow, user_id, "slots moved aside by a rescheduled task")
        await uow.commit()
    return slot


async def set_slot_lock(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    slot_id: uuid.UUID,
    locked: bool,
) -> ScheduleSlot:
    """Locks (the planner never moves it) or unlocks one of the caller's slots. Someone
    else's slot is NOT_FOUND, a slot already over is SLOT_IN_PAST; either changes nothing."""
    user_id = require_viewer(viewer).user_id
    async with UnitOfWork(session_factory) as uow:
        await UserRepository(uow.session).lock(user_id)
        await hold_plan(uow, user_id)
        slot = await ScheduleSlotRepository(uow.session).get(slot_id)
        if slot is None or slot.user_id != user_id:
            raise not_found("Slot", "slotId")
        if slot.end_at <= utcnow():
            raise UserInputError("That slot is over", code="SLOT_IN_PAST", field="slotId")
        if slot.locked != locked:
            slot.locked = locked
            await uow.session.flush()
            version = await bump_version(uow, user_id)
            change = ScheduleChange.LOCKED if locked else ScheduleChange.UNLOCKED
            tell_schedule(uow, user_id, version=version, change=change, changed=[slot])
        await uow.commit()
    return slot


async def hold_plan(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    """Locks the user's plan row before any slot: every change to a plan takes its locks
    in that order, so two never wait on each other."""
    await SchedulePlanRepository(uow.session).get(user_id, for_update=True)


async def bump_version(uow: UnitOfWork, user_id: uuid.UUID) -> int:
    """Marks the plan changed, so a plan computed from its old state is not stored."""
    plan: SchedulePlan | None = await SchedulePlanRepository(uow.session).get(
        user_id, for_update=True
    )
    if plan is None:
        return 0
    plan.version += 1
    return plan.version


def _check_inside_window(calendar: Calendar, start: datetime, end: datetime) -> None:
    windows = calendar.window_times(start - timedelta(days=1), end + timedelta(days=1))
    if not any(begins <= start and end <= ends for begins, ends in windows):
        raise UserInputError(
            "That time is not inside one of your study windows",
            code="OUTSIDE_STUDY_WINDOWS",
            field="start",
        )
