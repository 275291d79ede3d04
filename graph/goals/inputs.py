"""Inputs of the goal and task mutations and of the task list."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from graph.goals.enums import Difficulty, GoalCategory, GoalPriority, GoalStatus, TaskStatus


@strawberry.input(description="A new goal.")
class CreateGoalInput:
    title: str = strawberry.field(description="1 to 200 characters.")
    category: GoalCategory = strawberry.field(description="What kind of goal this is.")
    priority: GoalPriority = strawberry.field(
        default=GoalPriority.MEDIUM, description="How much it matters."
    )
    description: str | None = strawberry.field(default=None, description="Free text.")
    target_date: date | None = strawberry.field(
        default=None, description="When to reach it; not in the past."
    )


@strawberry.input(description="Changes to a goal: omitted fields stay as they are.")
class UpdateGoalInput:
    title: str | None = strawberry.field(default=None, description="1 to 200 characters.")
    description: str | None = strawberry.field(default=None, description="Free text.")
    category: GoalCategory | None = strawberry.field(default=None, description="New category.")
    priority: GoalPriority | None = strawberry.field(default=None, description="New priority.")
    status: GoalStatus | None = strawberry.field(default=None, description="New status.")
    target_date: date | None = strawberry.field(default=None, description="Not in the past.")
    clear_target_date: bool = strawberry.field(default=False, description="Remove the date.")
    clear_description: bool = strawberry.field(default=False, description="Remove the text.")


@strawberry.input(description="A new milestone, added after the goal's last one.")
class AddMilestoneInput:
    goal_id: strawberry.ID = strawberry.field(description="The goal it belongs to.")
    title: str = strawberry.field(description="1 to 200 characters.")
    target_date: date | None = strawberry.field(default=None, description="Not in the past.")


@strawberry.input(description="Changes to a milestone: omitted fields stay as they are.")
class UpdateMilestoneInput:
    title: str | None = strawberry.field(default=None, description="1 to 200 characters.")
    target_date: date | None = strawberry.field(default=None, description="Not in the past.")
    clear_target_date: bool = strawberry.field(default=False, description="Remove the date.")


@strawberry.input(description="A new task.")
class CreateTaskInput:
    title: str = strawberry.field(description="1 to 200 characters.")
    estimated_minutes: int = strawberry.field(description="1 to 1440.")
    difficulty: Difficulty = strawberry.field(
        default=Difficulty.MEDIUM, description="How hard it is."
    )
    notes: str | None = strawberry.field(default=None, description="Free text.")
    goal_id: strawberry.ID | None = strawberry.field(default=None, description="Goal it serves.")
    milestone_id: strawberry.ID | None = strawberry.field(
        default=None, description="Milestone it belongs to (its goal is implied)."
    )
    due_at: datetime | None = strawberry.field(
        default=None, description="When it is due; not more than a day in the past."
    )
    depends_on: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Tasks to finish first (at most 50, no cycles)."
    )


@strawberry.input(description="Changes to a task: omitted fields stay as they are.")
class UpdateTaskInput:
    title: str | None = strawberry.field(default=None, description="1 to 200 characters.")
    notes: str | None = strawberry.field(default=None, description="Free text.")
    estimated_minutes: int | None = strawberry.field(default=None, description="1 to 1440.")
    difficulty: Difficulty | None = strawberry.field(default=None, description="How hard it is.")
    due_at: datetime | None = strawberry.field(
        default=None, description="Not more than a day in the past."
    )
    milestone_id: strawberry.ID | None = strawberry.field(
        default=None, description="Another milestone of the same goal."
    )
    status: TaskStatus | None = strawberry.field(
        default=None, description="PENDING or IN_PROGRESS; finish with completeTask or skipTask."
    )
    depends_on: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Replaces the dependencies (at most 50, no cycles)."
    )
    clear_due_at: bool = strawberry.field(default=False, description="Remove the due time.")
    clear_notes: bool = strawberry.field(default=False, description="Remove the notes.")
    clear_milestone: bool = strawberry.field(default=False, description="Leave the milestone.")


@strawberry.input(description="Which tasks to list; every condition given must hold.")
class TaskFilter:
    status: list[TaskStatus] | None = strawberry.field(default=None, description="Any of these.")
    goal_id: strawberry.ID | None = strawberry.field(default=None, description="Of this goal.")
    category: list[GoalCategory] | None = strawberry.field(
        default=None, description="Of goals in any of these categories."
    )
    due_before: datetime | None = strawberry.field(default=None, description="Due before this.")
    due_after: datetime | None = strawberry.field(default=None, description="Due after this.")
