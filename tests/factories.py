"""Plain functions that build rows for tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from itertools import count
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import new_id
from db.models.goals import (
    Difficulty,
    Goal,
    GoalCategory,
    GoalPriority,
    GoalStatus,
    Milestone,
    Task,
    TaskDependency,
    TaskStatus,
)
from db.models.users import Role, User

_sequence = count(1)


def user(**overrides: object) -> User:
    n = next(_sequence)
    values: dict[str, object] = {
        "email": f"student{n}@example.org",
        "password_hash": "not-a-real-hash",
        "display_name": f"Student {n}",
        "role": Role.STUDENT,
    }
    values.update(overrides)
    return User(**values)


async def goal_tree(
    engine: AsyncEngine,
    user_id: uuid.UUID,
    *,
    goals: int,
    milestones: int = 2,
    tasks_per_milestone: int = 3,
) -> list[uuid.UUID]:
    """Goals with milestones and tasks, each task after the first of a milestone depending
    on the one before it; returns the goal ids in creation order."""
    goal_rows: list[dict[str, Any]] = []
    milestone_rows: list[dict[str, Any]] = []
    task_rows: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for g in range(goals):
        goal_id = new_id()
        goal_rows.append(
            {
                "id": goal_id,
                "user_id": user_id,
                "title": f"Goal {g}",
                "category": GoalCategory.EXAM,
                "priority": GoalPriority.MEDIUM,
                "status": GoalStatus.ACTIVE,
            }
        )
        for m in range(milestones):
            milestone_id = new_id()
            milestone_rows.append(
                {
                    "id": milestone_id,
                    "goal_id": goal_id,
                    "user_id": user_id,
                    "title": f"Milestone {g}.{m}",
                    "position": m,
                }
            )
            previous = None
            for t in range(tasks_per_milestone):
                task_id = new_id()
                task_rows.append(
                    {
                        "id": task_id,
                        "user_id": user_id,
                        "goal_id": goal_id,
                        "milestone_id": milestone_id,
                        "title": f"Task {g}.{m}.{t}",
                        "estimated_minutes": 30,
                        "difficulty": Difficulty.MEDIUM,
                        "status": TaskStatus.PENDING,
                    }
                )
                if previous is not None:
                    edges.append({"task_id": task_id, "depends_on_id": previous})
                previous = task_id
    async with engine.begin() as conn:
        now = datetime.now(UTC)
        for model, rows in ((Goal, goal_rows), (Milestone, milestone_rows), (Task, task_rows)):
            if rows:
                await conn.execute(
                    insert(model), [{"created_at": now, "updated_at": now, **r} for r in rows]
                )
        if edges:
            await conn.execute(insert(TaskDependency), edges)
    return [row["id"] for row in goal_rows]
