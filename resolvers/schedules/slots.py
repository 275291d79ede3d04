"""Reading a plan by day, week or what comes next, and the owner's own changes to it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

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
from resolvers.schedules.planning import MAX_LEAD_DAYS, request_replan
from resolvers.schedules.timeline import Calendar

register_owned(ScheduleSlot, lambda slot: slot.user_id)

WEEK_DAYS = 7
# Days a plan can be read for: calendars go no further.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9000, 12, 31)
# A start this little in the past still counts as now: the client's clock may lag.
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
    field: str,
) -> list[DayPlan]:
    """The caller's slots of `days` of their days from `first_day`, one read for all."""
    user_id = require_viewer(viewer).user_id
    if not FIRST_DAY <= first_day <= LAST_DAY:
        raise UserInputError(
            f"Pick a day from {FIRST_DAY} to {LAST_DAY}", code="INVALID_DATE", field=field
        )
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
    """Moves the task's next slot (or gives it one, a session long) to `start` and pins it
    there.

    Refused, changing nothing: someone else's or a finished task; a start without its
    offset, off the whole minute, in the past or more than a year ahead; a slot that would
    not lie inside one study window or would overlap a locked slot; a start before an open
    task it depends on is planned to end (or one not planned at all); an end after a task
    that depends on it is planned to start; a locked next slot. Unlocked slots in the way
    are planned again elsewhere.
    """
    user_id = require_viewer(viewer).user_id
    now = utcnow()
    start = _check_start(start, now)
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
        await _check_order(tasks, slots, user_id, task_id, start, end, now)
        displaced = [other.id for other in nearby if other is not slot]
        await slots.delete_many(displaced)
        reason = f"You moved it to {start.astimezone(calendar.zone):%a %H:%M}."
        if slot is None:
            slot = slots.add(
                ScheduleSlot(
                    user_id=user_id,
                    kind=SlotKind.TASK,
                    task_id=task_id,
                    start_at=start,
                    end_at=end,
                    reason=reason,
                    locked=True,
                )
            )
        else:
            slot.start_at, slot.end_at, slot.locked, slot.reason = start, end, True, reason
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


def _check_start(start: datetime, now: datetime) -> datetime:
    if start.tzinfo is None:
        raise UserInputError(
            "Give the start with its UTC offset", code="INVALID_START", field="start"
        )
    if start.second or start.microsecond:
        raise UserInputError("Start on a whole minute", code="INVALID_START", field="start")
    if start < now - RESCHEDULE_GRACE:
        raise UserInputError("Pick a start in the future", code="START_IN_PAST", field="start")
    if start > now + timedelta(days=MAX_LEAD_DAYS):
        raise UserInputError(
            f"Pick a start within {MAX_LEAD_DAYS} days", code="START_TOO_FAR", field="start"
        )
    return start.astimezone(UTC)


async def _check_order(
    tasks: TaskRepository,
    slots: ScheduleSlotRepository,
    user_id: uuid.UUID,
    task_id: uuid.UUID,
    start: datetime,
    end: datetime,
    now: datetime,
) -> None:
    """A task starts after what it depends on ends, and ends before what depends on it."""
    prerequisites = (await tasks.dependency_ids([task_id]))[task_id]
    open_ones = [
        t.id for t in (await tasks.owned(user_id, prerequisites)).values() if t.finished_at is None
    ]
    planned = await slots.first_of_tasks(open_ones, now)
    if len(planned) < len(open_ones) or await slots.any_ending_after(open_ones, start):
        raise UserInputError(
            "A task this one depends on is not done and not planned to end before that start",
            code="DEPENDENCY_LATER",
            field="start",
        )
    if await slots.any_starting_before(await tasks.dependent_ids(task_id), end, now):
        raise UserInputError(
            "A task that depends on this one is planned to start before it would end",
            code="DEPENDENT_EARLIER",
            field="start",
        )


def _check_inside_window(calendar: Calendar, start: datetime, end: datetime) -> None:
    windows = calendar.window_times(start - timedelta(days=1), end + timedelta(days=1))
    if not any(begins <= start and end <= ends for begins, ends in windows):
        raise UserInputError(
            "That time is not inside one of your study windows",
            code="OUTSIDE_STUDY_WINDOWS",
            field="start",
        )
