"""Mutations of tasks: create, change, delete, complete and skip."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable

import strawberry

from core.ids import to_global_id
from db.models import goals as models
from graph.context import Context
from graph.errors import user_errors
from graph.goals.inputs import CreateTaskInput, UpdateTaskInput
from graph.goals.payloads import CompleteTaskPayload, DeleteTaskPayload, TaskPayload
from graph.goals.types import Task
from graph.permissions import IsAuthenticated
from resolvers import tasks
from resolvers.input_rules import local_id
from resolvers.tasks import Completion, TaskChanges, TaskDraft


def _ids(values: list[strawberry.ID] | None, type_name: str, field: str) -> tuple[uuid.UUID, ...]:
    return tuple(local_id(v, type_name, field) for v in values or ())


@strawberry.type
class TaskMutation:
    @strawberry.mutation(
        description="Creates a task, optionally under one of my goals or milestones and "
        "depending on other tasks of mine. An empty title, minutes out of range, a due time "
        "in the past, someone else's ids or a dependency cycle return `errors` and create "
        "nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def create_task(
        self, info: strawberry.Info[Context, None], input: CreateTaskInput
    ) -> TaskPayload:
        async def change() -> models.Task:
            draft = TaskDraft(
                title=input.title,
                estimated_minutes=input.estimated_minutes,
                difficulty=input.difficulty,
                notes=input.notes,
                goal_id=None
                if input.goal_id is None
                else local_id(input.goal_id, "Goal", "goalId"),
                milestone_id=None
                if input.milestone_id is None
                else local_id(input.milestone_id, "Milestone", "milestoneId"),
                due_at=input.due_at,
                depends_on=_ids(input.depends_on, "Task", "dependsOn"),
            )
            return await tasks.create_task(info.context.session_factory, info.context.viewer, draft)

        return await _task_payload(info, change())

    @strawberry.mutation(
        description="Changes one of my tasks; `dependsOn` replaces its dependencies. The same "
        "bad input as createTask, or reopening a finished task, returns `errors` and changes "
        "nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def update_task(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, input: UpdateTaskInput
    ) -> TaskPayload:
        async def change() -> models.Task:
            clear = {
                name
                for name, wanted in (
                    ("dueAt", input.clear_due_at),
                    ("notes", input.clear_notes),
                    ("milestoneId", input.clear_milestone),
                )
                if wanted
            }
            changes = TaskChanges(
                title=input.title,
                notes=input.notes,
                estimated_minutes=input.estimated_minutes,
                difficulty=input.difficulty,
                due_at=input.due_at,
                milestone_id=None
                if input.milestone_id is None
                else local_id(input.milestone_id, "Milestone", "milestoneId"),
                status=input.status,
                depends_on=None
                if input.depends_on is None
                else _ids(input.depends_on, "Task", "dependsOn"),
                clear=frozenset(clear),
            )
            return await tasks.update_task(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "Task", "id"),
                changes,
            )

        return await _task_payload(info, change())

    @strawberry.mutation(
        description="Deletes one of my tasks. If other tasks depend on it, HAS_DEPENDENTS is "
        "returned and nothing is deleted unless `detachDependents` is true, which removes "
        "those dependencies too.",
        permission_classes=[IsAuthenticated],
    )
    async def delete_task(
        self,
        info: strawberry.Info[Context, None],
        id: strawberry.ID,
        detach_dependents: bool = False,
    ) -> DeleteTaskPayload:
        async def change() -> uuid.UUID:
            return await tasks.delete_task(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "Task", "id"),
                detach_dependents=detach_dependents,
            )

        deleted, errors = await user_errors(change())
        return DeleteTaskPayload(
            deleted_task_id=strawberry.ID(to_global_id("Task", deleted)) if deleted else None,
            errors=errors,
        )

    @strawberry.mutation(
        description="Completes one of my open tasks, recording the minutes it took (default: "
        "the focused time of its focus sessions, else the estimate) and whether it was early, "
        "on time or late. A finished task (TASK_FINISHED), open dependencies "
        "(DEPENDENCIES_OPEN) or minutes out of range return `errors` and change nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def complete_task(
        self,
        info: strawberry.Info[Context, None],
        id: strawberry.ID,
        actual_minutes: int | None = None,
    ) -> CompleteTaskPayload:
        async def change() -> Completion:
            return await tasks.complete_task(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "Task", "id"),
                actual_minutes,
            )

        done, errors = await user_errors(change())
        return CompleteTaskPayload(
            task=Task.from_model(done.task, info.context.loaders) if done else None,
            timeliness=done.timeliness if done else None,
            errors=errors,
        )

    @strawberry.mutation(
        description="Skips one of my open tasks (it stops counting towards its goal). A "
        "finished task returns TASK_FINISHED and nothing changes.",
        permission_classes=[IsAuthenticated],
    )
    async def skip_task(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, reason: str | None = None
    ) -> TaskPayload:
        async def change() -> models.Task:
            return await tasks.skip_task(
                info.context.session_factory,
                info.context.viewer,
                local_id(id, "Task", "id"),
                reason,
            )

        return await _task_payload(info, change())


async def _task_payload(
    info: strawberry.Info[Context, None], call: Awaitable[models.Task]
) -> TaskPayload:
    task, errors = await user_errors(call)
    return TaskPayload(
        task=Task.from_model(task, info.context.loaders) if task else None, errors=errors
    )
