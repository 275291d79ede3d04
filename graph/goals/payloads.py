"""Results of the goal and task mutations."""

from __future__ import annotations

import strawberry

from graph.errors import UserError
from graph.goals.enums import Timeliness
from graph.goals.types import Goal, Milestone, Task


@strawberry.type(description="The result of a change to a goal.")
class GoalPayload:
    goal: Goal | None = strawberry.field(description="The goal after the change.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


@strawberry.type(description="The result of deleting a goal.")
class DeleteGoalPayload:
    deleted_goal_id: strawberry.ID | None = strawberry.field(description="Id of the deleted goal.")
    deleted_task_count: int = strawberry.field(description="How many of its tasks went with it.")
    errors: list[UserError] = strawberry.field(description="Why nothing was deleted, if so.")


@strawberry.type(description="The result of a change to a milestone.")
class MilestonePayload:
    milestone: Milestone | None = strawberry.field(description="The milestone after the change.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


@strawberry.type(description="The result of deleting a milestone.")
class DeleteMilestonePayload:
    deleted_milestone_id: strawberry.ID | None = strawberry.field(
        description="Id of the deleted milestone."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing was deleted, if so.")


@strawberry.type(description="The result of a change to a task.")
class TaskPayload:
    task: Task | None = strawberry.field(description="The task after the change.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


@strawberry.type(description="The result of completing a task.")
class CompleteTaskPayload:
    task: Task | None = strawberry.field(description="The completed task.")
    timeliness: Timeliness | None = strawberry.field(
        description="Early, on time or late against the due time."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


@strawberry.type(description="The result of deleting a task.")
class DeleteTaskPayload:
    deleted_task_id: strawberry.ID | None = strawberry.field(description="Id of the deleted task.")
    errors: list[UserError] = strawberry.field(description="Why nothing was deleted, if so.")
