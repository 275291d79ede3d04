"""Mutations of goals and milestones."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable

import strawberry

from core.ids import to_global_id
from db.models import goals as models
from graph.context import Context
from graph.errors import user_errors
from graph.goals.inputs import (
    AddMilestoneInput,
    CreateGoalInput,
    UpdateGoalInput,
    UpdateMilestoneInput,
)
from graph.goals.payloads import (
    DeleteGoalPayload,
    DeleteMilestonePayload,
    GoalPayload,
    MilestonePayload,
)
from graph.goals.types import Goal, Milestone
from graph.permissions import IsAuthenticated
from resolvers import goals
from resolvers.goals import DeletedGoal, GoalChanges, GoalDraft
from resolvers.input_rules import local_id

NOTHING_CHANGES = " Bad input returns `errors` and changes nothing."


@strawberry.type
class GoalMutation:
    @strawberry.mutation(
        description="Creates a goal. An empty or over-long title or a target date in the past "
        "returns `errors` and creates nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def create_goal(
        self, info: strawberry.Info[Context, None], input: CreateGoalInput
    ) -> GoalPayload:
        draft = GoalDraft(
            title=input.title,
            category=input.category,
            priority=input.priority,
            description=input.description,
            target_date=input.target_date,
        )
        goal, errors = await user_errors(
            goals.create_goal(info.context.session_factory, info.context.viewer, draft)
        )
        return GoalPayload(goal=Goal.from_model(goal) if goal else None, errors=errors)

    @strawberry.mutation(
        description="Changes one of my goals; setting status COMPLETED records when."
        + NOTHING_CHANGES,
        permission_classes=[IsAuthenticated],
    )
    async def update_goal(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, input: UpdateGoalInput
    ) -> GoalPayload:
        clear = {
            name
            for name, wanted in (
                ("targetDate", input.clear_target_date),
                ("description", input.clear_description),
            )
            if wanted
        }
        changes = GoalChanges(
            title=input.title,
            description=input.description,
            category=input.category,
            priority=input.priority,
            status=input.status,
            target_date=input.target_date,
            clear=frozenset(clear),
        )

        async def change() -> models.Goal:
            return await goals.update_goal(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "Goal", "id"),
                changes,
            )

        return await _goal_payload(change())

    @strawberry.mutation(
        description="Archives one of my goals: it leaves the default lists and the planner but "
        "keeps its history. An unknown id returns NOT_FOUND and changes nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def archive_goal(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> GoalPayload:
        async def change() -> models.Goal:
            return await goals.archive_goal(
                info.context.session_factory, info.context.viewer, local_id(id, "Goal", "id")
            )

        return await _goal_payload(change())

    @strawberry.mutation(
        description="Deletes one of my goals with its milestones and tasks. An unknown id "
        "returns NOT_FOUND and deletes nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def delete_goal(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> DeleteGoalPayload:
        async def change() -> DeletedGoal:
            return await goals.delete_goal(
                info.context.session_factory, info.context.viewer, local_id(id, "Goal", "id")
            )

        deleted, errors = await user_errors(change())
        return DeleteGoalPayload(
            deleted_goal_id=strawberry.ID(to_global_id("Goal", deleted.goal_id))
            if deleted
            else None,
            deleted_task_count=deleted.deleted_tasks if deleted else 0,
            errors=errors,
        )

    @strawberry.mutation(
        description="Adds a milestone after the goal's last one (at most 100)." + NOTHING_CHANGES,
        permission_classes=[IsAuthenticated],
    )
    async def add_milestone(
        self, info: strawberry.Info[Context, None], input: AddMilestoneInput
    ) -> MilestonePayload:
        async def change() -> models.Milestone:
            return await goals.add_milestone(
                info.context.session_factory,
                info.context.viewer,
                local_id(input.goal_id, "Goal", "goalId"),
                input.title,
                input.target_date,
            )

        return await _milestone_payload(change())

    @strawberry.mutation(
        description="Changes one of my milestones." + NOTHING_CHANGES,
        permission_classes=[IsAuthenticated],
    )
    async def update_milestone(
        self,
        info: strawberry.Info[Context, None],
        id: strawberry.ID,
        input: UpdateMilestoneInput,
    ) -> MilestonePayload:
        async def change() -> models.Milestone:
            return await goals.update_milestone(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "Milestone", "id"),
                input.title,
                input.target_date,
                input.clear_target_date,
            )

        return await _milestone_payload(change())

    @strawberry.mutation(
        description="Deletes one of my milestones; its tasks stay with the goal. An unknown id "
        "returns NOT_FOUND and deletes nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def delete_milestone(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> DeleteMilestonePayload:
        async def change() -> uuid.UUID:
            return await goals.delete_milestone(
                info.context.session_factory, info.context.viewer, local_id(id, "Milestone", "id")
            )

        deleted, errors = await user_errors(change())
        return DeleteMilestonePayload(
            deleted_milestone_id=strawberry.ID(id) if deleted else None, errors=errors
        )

    @strawberry.mutation(
        description="Puts a goal's milestones in the order given, which must list each of them "
        "exactly once; otherwise INVALID_MILESTONE_ORDER and nothing changes.",
        permission_classes=[IsAuthenticated],
    )
    async def reorder_milestones(
        self,
        info: strawberry.Info[Context, None],
        goal_id: strawberry.ID,
        milestone_ids: list[strawberry.ID],
    ) -> GoalPayload:
        async def change() -> models.Goal:
            return await goals.reorder_milestones(
                info.context.session_factory,
                info.context.viewer,
                local_id(goal_id, "Goal", "goalId"),
                [local_id(m, "Milestone", "milestoneIds") for m in milestone_ids],
            )

        return await _goal_payload(change())


async def _goal_payload(call: Awaitable[models.Goal]) -> GoalPayload:
    goal, errors = await user_errors(call)
    return GoalPayload(goal=Goal.from_model(goal) if goal else None, errors=errors)


async def _milestone_payload(call: Awaitable[models.Milestone]) -> MilestonePayload:
    milestone, errors = await user_errors(call)
    return MilestonePayload(
        milestone=Milestone.from_model(milestone) if milestone else None, errors=errors
    )
