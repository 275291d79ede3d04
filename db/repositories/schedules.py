"""Plans, their slots and the tasks they put at risk."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.focus import FocusSession, FocusStatus
from db.models.goals import OPEN_TASK_STATUSES, Goal, Task, TaskDependency
from db.models.schedules import SchedulePlan, ScheduleSlot, TaskRisk
from db.repositories.base import Page, Repository


class SchedulePlanRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, user_id: uuid.UUID, *, for_update: bool = False) -> SchedulePlan | None:
        """The user's plan; `for_update` holds its row until the commit, so concurrent
        changes that read it before writing it take turns."""
        return await self.session.get(SchedulePlan, user_id, with_for_update=for_update)

    def add(self, plan: SchedulePlan) -> SchedulePlan:
        self.session.add(plan)
        return plan

    async def nights_due(self, now: datetime, limit: int) -> list[SchedulePlan]:
        """Plans whose next day has begun, oldest first, locked; rows another run holds are
        skipped, so two runs share the work instead of waiting on each other."""
        return list(
            await self.session.scalars(
                select(SchedulePlan)
                .where(SchedulePlan.next_night_at <= now)
                .order_by(SchedulePlan.next_night_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )


class ScheduleSlotRepository(Repository[ScheduleSlot]):
    model = ScheduleSlot

    async def between(
        self, user_id: uuid.UUID, since: datetime, until: datetime
    ) -> list[ScheduleSlot]:
        """Slots that overlap [since, until), in time order."""
        return list(
            await self.session.scalars(
                select(ScheduleSlot)
                .where(
                    ScheduleSlot.user_id == user_id,
                    ScheduleSlot.start_at < until,
                    ScheduleSlot.end_at > since,
                )
                .order_by(ScheduleSlot.start_at, ScheduleSlot.id)
            )
        )

    async def upcoming(
        self, user_id: uuid.UUID, now: datetime, first: int, after: str | None
    ) -> Page[ScheduleSlot]:
        """Slots not over yet, soonest first."""
        return await self.paginate(
            select(ScheduleSlot).where(ScheduleSlot.user_id == user_id, ScheduleSlot.end_at > now),
            first=first,
            after=after,
            order_by=[ScheduleSlot.start_at, ScheduleSlot.id],
        )

    async def delete_many(self, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            await self.session.execute(delete(ScheduleSlot).where(ScheduleSlot.id.in_(ids)))

    async def first_of_tasks(
        self, task_ids: Sequence[uuid.UUID], now: datetime
    ) -> dict[uuid.UUID, ScheduleSlot]:
        """Each task's first slot that is not over."""
        if not task_ids:
            return {}
        rows = await self.session.scalars(
            select(ScheduleSlot)
            .where(ScheduleSlot.task_id.in_(task_ids), ScheduleSlot.end_at > now)
            .order_by(ScheduleSlot.start_at.desc())
        )
        # Latest first, so each task's earliest slot is written last.
        return {row.task_id: row for row in rows if row.task_id is not None}

    async def next_of_task(self, task_id: uuid.UUID, now: datetime) -> ScheduleSlot | None:
        """The task's first slot that has not started."""
        return await self.session.scalar(
            select(ScheduleSlot)
            .where(ScheduleSlot.task_id == task_id, ScheduleSlot.start_at >= now)
            .order_by(ScheduleSlot.start_at)
            .limit(1)
        )

    async def not_started_of_tasks(
        self, task_ids: Sequence[uuid.UUID], now: datetime
    ) -> list[ScheduleSlot]:
        if not task_ids:
            return []
        return list(
            await self.session.scalars(
                select(ScheduleSlot).where(
                    ScheduleSlot.task_id.in_(task_ids), ScheduleSlot.start_at >= now
                )
            )
        )

    async def any_starting_before(
        self, task_ids: Sequence[uuid.UUID], moment: datetime, now: datetime
    ) -> bool:
        """Whether any of the tasks has a slot not over by `now` that starts before `moment`."""
        if not task_ids:
            return False
        found = await self.session.scalar(
            select(ScheduleSlot.id)
            .where(
                ScheduleSlot.task_id.in_(task_ids),
                ScheduleSlot.start_at < moment,
                ScheduleSlot.end_at > now,
            )
            .limit(1)
        )
        return found is not None

    async def any_ending_after(self, task_ids: Sequence[uuid.UUID], moment: datetime) -> bool:
        if not task_ids:
            return False
        found = await self.session.scalar(
            select(ScheduleSlot.id)
            .where(ScheduleSlot.task_id.in_(task_ids), ScheduleSlot.end_at > moment)
            .limit(1)
        )
        return found is not None


class TaskRiskRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def replace(self, user_id: uuid.UUID, risks: Sequence[TaskRisk]) -> None:
        await self.session.execute(delete(TaskRisk).where(TaskRisk.user_id == user_id))
        self.session.add_all(risks)

    async def drop(self, task_ids: Sequence[uuid.UUID]) -> None:
        if task_ids:
            await self.session.execute(delete(TaskRisk).where(TaskRisk.task_id.in_(task_ids)))

    async def for_user(self, user_id: uuid.UUID) -> list[TaskRisk]:
        return list(await self.session.scalars(select(TaskRisk).where(TaskRisk.user_id == user_id)))

    async def of_tasks(self, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TaskRisk]:
        if not task_ids:
            return {}
        rows = await self.session.scalars(select(TaskRisk).where(TaskRisk.task_id.in_(task_ids)))
        return {row.task_id: row for row in rows}


class PlanningInputRepository:
    """What the planner needs of other domains, read in a few statements."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def open_tasks(self, user_id: uuid.UUID) -> list[Task]:
        return list(
            await self.session.scalars(
                select(Task)
                .where(Task.user_id == user_id, Task.status.in_(OPEN_TASK_STATUSES))
                .order_by(Task.id)
            )
        )

    async def open_dependencies(self, user_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """(task, depends on) pairs whose prerequisite is still open."""
        prerequisite = select(Task.id).where(
            Task.user_id == user_id, Task.status.in_(OPEN_TASK_STATUSES)
        )
        rows = await self.session.execute(
            select(TaskDependency.task_id, TaskDependency.depends_on_id).where(
                TaskDependency.depends_on_id.in_(prerequisite)
            )
        )
        return [(task_id, depends_on) for task_id, depends_on in rows]

    async def task_ids_of_goal(self, goal_id: uuid.UUID) -> list[uuid.UUID]:
        return list(await self.session.scalars(select(Task.id).where(Task.goal_id == goal_id)))

    async def goals(self, user_id: uuid.UUID) -> dict[uuid.UUID, Goal]:
        rows = await self.session.scalars(select(Goal).where(Goal.user_id == user_id))
        return {goal.id: goal for goal in rows}

    async def completed_on_tasks(self, task_ids: Sequence[uuid.UUID]) -> list[FocusSession]:
        if not task_ids:
            return []
        return list(
            await self.session.scalars(
                select(FocusSession).where(
                    FocusSession.task_id.in_(task_ids),
                    FocusSession.status == FocusStatus.COMPLETED,
                )
            )
        )

    async def completed_focus(self, user_id: uuid.UUID, since: datetime) -> list[FocusSession]:
        return list(
            await self.session.scalars(
                select(FocusSession).where(
                    FocusSession.user_id == user_id,
                    FocusSession.status == FocusStatus.COMPLETED,
                    FocusSession.started_at >= since,
                )
            )
        )
