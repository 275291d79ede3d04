"""What makes a plan change by itself: the domain events of tasks, goals and preferences."""

from __future__ import annotations

import uuid
from datetime import timedelta

from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.repositories.focus import FocusSessionRepository
from db.repositories.schedules import (
    PlanningInputRepository,
    ScheduleSlotRepository,
    TaskRiskRepository,
)
from db.repositories.tasks import TaskRepository
from resolvers.focus import focused_seconds
from resolvers.focus import minutes as focus_minutes
from resolvers.schedules.changes import ScheduleChange, tell_schedule
from resolvers.schedules.planning import request_replan
from resolvers.schedules.slots import bump_version, hold_plan
from resolvers.study_events import (
    FocusSessionCompleted,
    GoalChanged,
    TaskAdded,
    TaskChanged,
    TaskCompleted,
    TaskSkipped,
)
from resolvers.users import PlanningPreferencesChanged

# A new task due this soon is urgent: the plan makes room for it now, not tonight.
URGENT_WITHIN = timedelta(hours=48)


async def on_task_completed(uow: UnitOfWork, event: TaskCompleted) -> None:
    await _drop_tasks(uow, event.user_id, [event.task_id])
    if event.actual_minutes > event.estimated_minutes:
        await request_replan(uow, event.user_id, "a task took longer than planned")


async def on_task_skipped(uow: UnitOfWork, event: TaskSkipped) -> None:
    await _drop_tasks(uow, event.user_id, [event.task_id])
    await request_replan(uow, event.user_id, "a task was skipped")


async def on_task_added(uow: UnitOfWork, event: TaskAdded) -> None:
    if event.due_at is not None and event.due_at <= utcnow() + URGENT_WITHIN:
        await request_replan(uow, event.user_id, "an urgent task arrived")


async def on_goal_changed(uow: UnitOfWork, event: GoalChanged) -> None:
    if event.deleted:
        tasks = await PlanningInputRepository(uow.session).task_ids_of_goal(event.goal_id)
        await _drop_tasks(uow, event.user_id, tasks)
        await request_replan(uow, event.user_id, "a goal was deleted")
    else:
        await request_replan(uow, event.user_id, "a goal's priority or status changed")


async def on_task_changed(uow: UnitOfWork, event: TaskChanged) -> None:
    if event.deleted:
        await _drop_tasks(uow, event.user_id, [event.task_id])
        await request_replan(uow, event.user_id, "a task was deleted")
    else:
        await request_replan(uow, event.user_id, "a task changed")


async def on_preferences_changed(uow: UnitOfWork, event: PlanningPreferencesChanged) -> None:
    await request_replan(uow, event.user_id, "your study windows or session settings changed")


async def on_focus_session_completed(uow: UnitOfWork, event: FocusSessionCompleted) -> None:
    """A session that takes an open task past its estimate: the rest of the plan is late."""
    if event.task_id is None:
        return
    task = await TaskRepository(uow.session).get(event.task_id)
    if task is None or task.finished_at is not None:
        return
    sessions = await FocusSessionRepository(uow.session).completed_on_task(event.task_id)
    spent = focus_minutes(sum(focused_seconds(s, event.completed_at) for s in sessions))
    if spent > task.estimated_minutes:
        await request_replan(uow, event.user_id, "a task took longer than planned")


async def _drop_tasks(uow: UnitOfWork, user_id: uuid.UUID, task_ids: list[uuid.UUID]) -> None:
    """Finished or deleted tasks' slots still to come are freed, their risks forgotten."""
    await hold_plan(uow, user_id)
    slots = ScheduleSlotRepository(uow.session)
    gone = [slot.id for slot in await slots.not_started_of_tasks(task_ids, utcnow())]
    await slots.delete_many(gone)
    await TaskRiskRepository(uow.session).drop(task_ids)
    if gone:
        version = await bump_version(uow, user_id)
        tell_schedule(
            uow, user_id, version=version, change=ScheduleChange.TASK_FINISHED, removed=gone
        )
