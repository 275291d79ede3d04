"""Goals and their milestones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import InstrumentedAttribute

from db.models.goals import Goal, GoalCategory, GoalStatus, Milestone, Task, TaskStatus
from db.repositories.base import Page, Repository


@dataclass(frozen=True, slots=True)
class GoalListing:
    """Which goals a list shows and how (hashable: it is part of DataLoader keys)."""

    statuses: tuple[GoalStatus, ...] = ()
    categories: tuple[GoalCategory, ...] = ()
    order: str = "CREATED_AT"  # or "TARGET_DATE"
    first: int = 20
    after: str | None = None


@dataclass(frozen=True, slots=True)
class GoalEffort:
    done_minutes: int
    total_minutes: int


class GoalRepository(Repository[Goal]):
    model = Goal

    async def pages_for_users(
        self, user_ids: Sequence[uuid.UUID], listing: GoalListing
    ) -> dict[uuid.UUID, Page[Goal]]:
        statement = select(Goal)
        if listing.statuses:
            statement = statement.where(Goal.status.in_(listing.statuses))
        if listing.categories:
            statement = statement.where(Goal.category.in_(listing.categories))
        order: list[InstrumentedAttribute[object]] = (
            [Goal.target_date, Goal.id] if listing.order == "TARGET_DATE" else [Goal.id]
        )
        return await self.paginate_many(
            statement,
            parent=Goal.user_id,
            parent_ids=user_ids,
            first=listing.first,
            after=listing.after,
            order_by=order,
        )

    async def effort(self, goal_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, GoalEffort]:
        """Estimated minutes done and planned per goal; skipped tasks count for neither."""
        done = func.sum(
            case((Task.status == TaskStatus.COMPLETED, Task.estimated_minutes), else_=0)
        )
        rows = await self.session.execute(
            select(Task.goal_id, done, func.sum(Task.estimated_minutes))
            .where(Task.goal_id.in_(goal_ids), Task.status != TaskStatus.SKIPPED)
            .group_by(Task.goal_id)
        )
        return {goal_id: GoalEffort(int(d or 0), int(t or 0)) for goal_id, d, t in rows}

    async def delete_with_children(self, goal: Goal) -> int:
        """Deletes the goal with its milestones and tasks; returns how many tasks went."""
        removed = await self.session.execute(
            delete(Task).where(Task.goal_id == goal.id).returning(Task.id)
        )
        count = len(removed.all())
        await self.session.execute(delete(Milestone).where(Milestone.goal_id == goal.id))
        await self.session.delete(goal)
        return count


class MilestoneRepository(Repository[Milestone]):
    model = Milestone

    async def for_goals(self, goal_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Milestone]]:
        rows = await self.session.scalars(
            select(Milestone)
            .where(Milestone.goal_id.in_(goal_ids))
            .order_by(Milestone.goal_id, Milestone.position, Milestone.id)
        )
        grouped: dict[uuid.UUID, list[Milestone]] = {goal_id: [] for goal_id in goal_ids}
        for row in rows:
            grouped[row.goal_id].append(row)
        return grouped

    async def next_position(self, goal_id: uuid.UUID) -> int:
        highest = await self.session.scalar(
            select(func.max(Milestone.position)).where(Milestone.goal_id == goal_id)
        )
        return 0 if highest is None else highest + 1
