"""Reads of goals and tasks: the signed-in user's lists, single objects and nodes."""

from __future__ import annotations

import uuid

import strawberry

from graph.context import Context
from graph.goals.enums import GoalCategory, GoalOrder, GoalStatus, TaskOrder
from graph.goals.inputs import TaskFilter
from graph.goals.types import Goal, Milestone, Task, goal_listing, task_connection
from graph.permissions import IsAuthenticated
from graph.relay import Connection, check_page_size, connection_of, register_node
from resolvers import goals, tasks
from resolvers.access import require_viewer
from resolvers.input_rules import local_id
from resolvers.tasks import TaskListing


@strawberry.type
class GoalQuery:
    @strawberry.field(
        description="My goals (not ARCHIVED unless asked), oldest first or by target date. "
        "`first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def goals(
        self,
        info: strawberry.Info[Context, None],
        first: int,
        after: str | None = None,
        status: list[GoalStatus] | None = None,
        category: list[GoalCategory] | None = None,
        order_by: GoalOrder = GoalOrder.CREATED_AT,
    ) -> Connection[Goal]:
        listing = goal_listing(info, first, after, status, category, order_by)
        page = await goals.list_goals(info.context.session_factory, info.context.viewer, listing)
        return connection_of(page, Goal.from_model)

    @strawberry.field(
        description="One of my goals; null when it does not exist.",
        permission_classes=[IsAuthenticated],
    )
    async def goal(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> Goal | None:
        return await _fetch_goal(info, local_id(id, "Goal", "id"))

    @strawberry.field(
        description="My tasks, filtered and ordered. `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def tasks(
        self,
        info: strawberry.Info[Context, None],
        first: int,
        after: str | None = None,
        filter: TaskFilter | None = None,
        order_by: TaskOrder = TaskOrder.CREATED_AT,
    ) -> Connection[Task]:
        where = filter or TaskFilter()
        listing = TaskListing(
            statuses=tuple(where.status or ()),
            goal_id=None if where.goal_id is None else local_id(where.goal_id, "Goal", "goalId"),
            categories=tuple(where.category or ()),
            due_before=where.due_before,
            due_after=where.due_after,
            order=order_by.value,
            first=check_page_size(first, info.context.settings.max_page_size),
            after=after,
        )
        page = await tasks.list_tasks(info.context.session_factory, info.context.viewer, listing)
        return await task_connection(info, page)

    @strawberry.field(
        description="One of my tasks; null when it does not exist.",
        permission_classes=[IsAuthenticated],
    )
    async def task(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> Task | None:
        return await _fetch_task(info, local_id(id, "Task", "id"))


# Through the operation's DataLoaders, so many nodes cost one statement per type; the
# visibility guard checks what comes back.
async def _fetch_goal(info: strawberry.Info[Context, None], goal_id: uuid.UUID) -> Goal | None:
    require_viewer(info.context.viewer)
    found = await info.context.loaders.get(goals.load_goals).load(goal_id)
    return None if found is None else Goal.from_model(found)


async def _fetch_milestone(
    info: strawberry.Info[Context, None], milestone_id: uuid.UUID
) -> Milestone | None:
    require_viewer(info.context.viewer)
    found = await info.context.loaders.get(goals.load_milestones).load(milestone_id)
    return None if found is None else Milestone.from_model(found)


async def _fetch_task(info: strawberry.Info[Context, None], task_id: uuid.UUID) -> Task | None:
    require_viewer(info.context.viewer)
    found = await info.context.loaders.get(tasks.load_tasks).load(task_id)
    return None if found is None else Task.from_model(found, info.context.loaders)


register_node("Goal", _fetch_goal)
register_node("Milestone", _fetch_milestone)
register_node("Task", _fetch_task)
