"""Tasks and the dependency edges between them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute

from db.models.goals import Goal, GoalCategory, Task, TaskDependency, TaskStatus
from db.repositories.base import Page, Repository


@dataclass(frozen=True, slots=True)
class TaskListing:
    """Which tasks a list shows and how (hashable: it is part of DataLoader keys)."""

    statuses: tuple[TaskStatus, ...] = ()
    goal_id: uuid.UUID | None = None
    categories: tuple[GoalCategory, ...] = ()
    due_before: datetime | None = None
    due_after: datetime | None = None
    order: str = "CREATED_AT"  # or "DUE_AT"
    first: int = 20
    after: str | None = None


class TaskRepository(Repository[Task]):
    model = Task

    async def pages_under(
        self,
        parent: InstrumentedAttribute[uuid.UUID | None],
        parent_ids: Sequence[uuid.UUID],
        listing: TaskListing,
    ) -> dict[uuid.UUID, Page[Task]]:
        """The same page of tasks under each user, goal or milestone, in one statement."""
        statement = select(Task)
        if listing.statuses:
            statement = statement.where(Task.status.in_(listing.statuses))
        if listing.goal_id is not None:
            statement = statement.where(Task.goal_id == listing.goal_id)
        if listing.categories:
            statement = statement.where(
                Task.goal_id.in_(select(Goal.id).where(Goal.category.in_(listing.categories)))
            )
        if listing.due_before is not None:
            statement = statement.where(Task.due_at < listing.due_before)
        if listing.due_after is not None:
            statement = statement.where(Task.due_at > listing.due_after)
        order: list[InstrumentedAttribute[object]] = (
            [Task.due_at, Task.id] if listing.order == "DUE_AT" else [Task.id]
        )
        return await self.paginate_many(
            statement,
            parent=parent,
            parent_ids=parent_ids,
            first=listing.first,
            after=listing.after,
            order_by=order,
        )

    async def owned(self, user_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Task]:
        rows = await self.session.scalars(
            select(Task).where(Task.user_id == user_id, Task.id.in_(ids))
        )
        return {row.id: row for row in rows}

    async def dependency_ids(
        self, task_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """What each task depends on, oldest first (ids only: callers often hold the tasks)."""
        rows = await self.session.execute(
            select(TaskDependency.task_id, TaskDependency.depends_on_id)
            .where(TaskDependency.task_id.in_(task_ids))
            .order_by(TaskDependency.task_id, TaskDependency.depends_on_id)
        )
        grouped: dict[uuid.UUID, list[uuid.UUID]] = {task_id: [] for task_id in task_ids}
        for task_id, depends_on in rows:
            grouped[task_id].append(depends_on)
        return grouped

    async def dependent_ids(self, task_id: uuid.UUID) -> list[uuid.UUID]:
        return list(
            await self.session.scalars(
                select(TaskDependency.task_id).where(TaskDependency.depends_on_id == task_id)
            )
        )

    async def edges_of_user(self, user_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Every (task, depends on) edge among the user's tasks."""
        rows = await self.session.execute(
            select(TaskDependency.task_id, TaskDependency.depends_on_id)
            .join(Task, Task.id == TaskDependency.task_id)
            .where(Task.user_id == user_id)
        )
        return [(task_id, depends_on) for task_id, depends_on in rows]

    async def replace_dependencies(
        self, task_id: uuid.UUID, depends_on: Sequence[uuid.UUID]
    ) -> None:
        await self.session.execute(delete(TaskDependency).where(TaskDependency.task_id == task_id))
        if depends_on:
            await self.session.execute(
                insert(TaskDependency),
                [{"task_id": task_id, "depends_on_id": other} for other in depends_on],
            )

    async def detach_dependents(self, task_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(TaskDependency).where(TaskDependency.depends_on_id == task_id)
        )

    async def count_completed(self, user_id: uuid.UUID) -> int:
        found = await self.session.scalar(
            select(func.count()).where(Task.user_id == user_id, Task.status == TaskStatus.COMPLETED)
        )
        return int(found or 0)

    async def finish(self, task: Task, status: TaskStatus, now: datetime, **values: object) -> bool:
        """Moves an open task to COMPLETED or SKIPPED; of concurrent callers exactly one wins."""
        result = await self.session.execute(
            update(Task)
            .where(
                Task.id == task.id, Task.status.in_((TaskStatus.PENDING, TaskStatus.IN_PROGRESS))
            )
            .values(status=status, finished_at=now, updated_at=now, **values)
            .returning(Task.id)
        )
        won = result.one_or_none() is not None
        if won:
            await self.session.refresh(task)
        return won
