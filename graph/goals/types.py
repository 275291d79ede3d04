"""Goals, milestones and tasks as GraphQL objects; every relation goes through a DataLoader."""

from __future__ import annotations

import uuid
from collections.abc import Generator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from core.ids import to_global_id
from db.base import Base
from db.models import goals as models
from graph.context import Context
from graph.goals.enums import (
    Difficulty,
    GoalCategory,
    GoalOrder,
    GoalPriority,
    GoalStatus,
    TaskStatus,
    Timeliness,
)
from graph.loaders import Loaders
from graph.permissions import Guarded
from graph.relay import Connection, Node, check_page_size, connection_of
from graph.selection import wants
from resolvers import goals, tasks
from resolvers.goals import GoalListing, Page
from resolvers.schedules import slots as schedule_slots
from resolvers.tasks import TaskListing

if TYPE_CHECKING:
    from graph.schedules.types import TaskRisk

TaskRiskRef = Annotated["TaskRisk", strawberry.lazy("graph.schedules.types")]


def task_listing(
    info: strawberry.Info[Context, None],
    first: int,
    after: str | None,
    status: list[TaskStatus] | None,
) -> TaskListing:
    return TaskListing(
        statuses=tuple(status or ()),
        first=check_page_size(first, info.context.settings.max_page_size),
        after=after,
    )


# Archived goals leave the default lists; ask for ARCHIVED to see them.
DEFAULT_GOAL_STATUSES = (GoalStatus.ACTIVE, GoalStatus.PAUSED, GoalStatus.COMPLETED)


def goal_listing(
    info: strawberry.Info[Context, None],
    first: int,
    after: str | None,
    status: list[GoalStatus] | None,
    category: list[GoalCategory] | None,
    order_by: GoalOrder,
) -> GoalListing:
    return GoalListing(
        statuses=tuple(status) if status else DEFAULT_GOAL_STATUSES,
        categories=tuple(category or ()),
        order=order_by.value,
        first=check_page_size(first, info.context.settings.max_page_size),
        after=after,
    )


def loaded_values(row: Base, names: frozenset[str]) -> Mapping[str, Any]:
    """The row's values of these columns: straight from what it loaded when it has them all
    (the usual case), through the ORM's attributes otherwise."""
    values = row.__dict__
    return values if names <= values.keys() else {name: getattr(row, name) for name in names}


TASK_COLUMNS = frozenset(
    (
        "id",
        "title",
        "notes",
        "estimated_minutes",
        "actual_minutes",
        "difficulty",
        "due_at",
        "status",
        "finished_at",
        "timeliness",
        "skip_reason",
        "created_at",
    )
)


class PendingDependencies:
    """A task's dependencies, loaded through the operation's DataLoaders only if the query
    awaits them (GraphQL awaits any awaitable a field holds)."""

    __slots__ = ("_loaders", "_task_id")

    def __init__(self, loaders: Loaders, task_id: uuid.UUID):
        self._loaders = loaders
        self._task_id = task_id

    def __await__(self) -> Generator[Any, None, list[Task]]:
        return self._load().__await__()

    async def _load(self) -> list[Task]:
        ids = await self._loaders.get(tasks.load_dependency_ids).load(self._task_id)
        found = await self._loaders.get(tasks.load_tasks).load_many(ids)
        return [Task.from_model(task, self._loaders) for task in found if task is not None]


async def task_connection(
    info: strawberry.Info[Context, None], page: Page[models.Task]
) -> Connection[Task]:
    """A page of tasks; their dependencies come with it when the query asks for them.

    Dependencies are mostly tasks this operation holds already (the same goal's, in sibling
    pages): those are shared, the rest load in one batch."""
    loaders = info.context.loaders
    held = loaders.held(Task)
    nodes = {task.id: Task.from_model(task, loaders) for task in page.items}
    held.update(nodes)
    if not wants(info, "edges", "node", "dependsOn"):
        return connection_of(page, lambda task: nodes[task.id])
    page_ids = tuple(nodes)
    groups = await loaders.get(tasks.load_dependency_ids_of_pages).load(page_ids)
    missing = list({i for group in groups.values() for i in group if i not in held})
    if missing:
        found = await loaders.get(tasks.load_tasks).load_many(missing)
        held.update({t.id: Task.from_model(t, loaders) for t in found if t is not None})
    for task_id, node in nodes.items():
        node.depends_on = [held[i] for i in groups[task_id] if i in held]
    return connection_of(page, lambda task: nodes[task.id])


@strawberry.type(description="Something the user wants to achieve, e.g. passing an exam.")
class Goal(Node, Guarded):
    source: strawberry.Private[models.Goal]
    title: str = strawberry.field(description="Short name of the goal.")
    description: str | None = strawberry.field(description="Free text.")
    category: GoalCategory = strawberry.field(description="Exam, skill, certification, ...")
    priority: GoalPriority = strawberry.field(description="How much the goal matters.")
    status: GoalStatus = strawberry.field(description="Where the goal stands.")
    target_date: date | None = strawberry.field(description="When the user wants it reached.")
    created_at: datetime = strawberry.field(description="When the goal was created.")
    completed_at: datetime | None = strawberry.field(description="When it was marked COMPLETED.")

    @strawberry.field(
        description="From 0 to 1: the estimated minutes of its completed tasks over those of "
        "all its tasks that were not skipped (0 without tasks; 1 once the goal is COMPLETED)."
    )
    async def progress(self, info: strawberry.Info[Context, None]) -> float:
        effort = await info.context.loaders.get(goals.load_goal_effort).load(self.source.id)
        return goals.progress(self.source, effort)

    @strawberry.field(description="The goal's milestones, in their order.")
    async def milestones(self, info: strawberry.Info[Context, None]) -> list[Milestone]:
        found = await info.context.loaders.get(goals.load_milestones_of).load(self.source.id)
        return [Milestone.from_model(m) for m in found]

    @strawberry.field(description="The goal's tasks, oldest first. `first` 1 to 100.")
    async def tasks(
        self,
        info: strawberry.Info[Context, None],
        first: int,
        after: str | None = None,
        status: list[TaskStatus] | None = None,
    ) -> Connection[Task]:
        key = (self.source.id, task_listing(info, first, after, status))
        page = await info.context.loaders.get(tasks.load_goal_task_pages).load(key)
        return await task_connection(info, page)

    @classmethod
    def from_model(cls, goal: models.Goal) -> Goal:
        return cls(
            source=goal,
            id=strawberry.ID(to_global_id("Goal", goal.id)),
            title=goal.title,
            description=goal.description,
            category=goal.category,
            priority=goal.priority,
            status=goal.status,
            target_date=goal.target_date,
            created_at=goal.created_at,
            completed_at=goal.completed_at,
        )


@strawberry.type(description="A step towards a goal; a goal's milestones are ordered.")
class Milestone(Node, Guarded):
    source: strawberry.Private[models.Milestone]
    title: str = strawberry.field(description="Short name of the milestone.")
    target_date: date | None = strawberry.field(description="When it should be reached.")
    position: int = strawberry.field(description="Place among the goal's milestones, from 0.")

    @strawberry.field(description="The goal the milestone belongs to.")
    async def goal(self, info: strawberry.Info[Context, None]) -> Goal:
        found = await info.context.loaders.get(goals.load_goals).load(self.source.goal_id)
        assert found is not None  # a milestone goes with its goal
        return Goal.from_model(found)

    @strawberry.field(description="The milestone's tasks, oldest first. `first` 1 to 100.")
    async def tasks(
        self,
        info: strawberry.Info[Context, None],
        first: int,
        after: str | None = None,
        status: list[TaskStatus] | None = None,
    ) -> Connection[Task]:
        key = (self.source.id, task_listing(info, first, after, status))
        page = await info.context.loaders.get(tasks.load_milestone_task_pages).load(key)
        return await task_connection(info, page)

    @classmethod
    def from_model(cls, milestone: models.Milestone) -> Milestone:
        return cls(
            source=milestone,
            id=strawberry.ID(to_global_id("Milestone", milestone.id)),
            title=milestone.title,
            target_date=milestone.target_date,
            position=milestone.position,
        )


@strawberry.type(description="A piece of study work with an estimate, a difficulty and a due time.")
class Task(Node, Guarded):
    source: strawberry.Private[models.Task]
    title: str = strawberry.field(description="What to do.")
    notes: str | None = strawberry.field(description="Free text.")
    estimated_minutes: int = strawberry.field(description="How long it should take.")
    actual_minutes: int | None = strawberry.field(description="How long it took, once completed.")
    difficulty: Difficulty = strawberry.field(description="EASY, MEDIUM or HARD.")
    due_at: datetime | None = strawberry.field(description="When it is due.")
    status: TaskStatus = strawberry.field(description="Open or how it was finished.")
    finished_at: datetime | None = strawberry.field(description="When it was completed or skipped.")
    timeliness: Timeliness | None = strawberry.field(
        description="How the completion compared with the due time."
    )
    skip_reason: str | None = strawberry.field(description="Why it was skipped, if given.")
    created_at: datetime = strawberry.field(description="When the task was created.")
    # A plain field, not a resolver per task: the list that loaded the task fills it when
    # the query selects it; otherwise it is a `PendingDependencies`, loaded when awaited.
    depends_on: list[Task] = strawberry.field(
        description="Tasks that must be finished before this one can be completed."
    )

    @strawberry.field(
        description="Why my plan placed it where it is (the reason of its next slot); null "
        "when it has no slot to come."
    )
    async def reason(self, info: strawberry.Info[Context, None]) -> str | None:
        slot = await info.context.loaders.get(schedule_slots.load_next_slots).load(self.source.id)
        return None if slot is None else slot.reason

    @strawberry.field(
        description="Set when my plan cannot finish the task before its due date, with why."
    )
    async def at_risk(self, info: strawberry.Info[Context, None]) -> TaskRiskRef | None:
        from graph.schedules.types import TaskRisk

        found = await info.context.loaders.get(schedule_slots.load_risks).load(self.source.id)
        return None if found is None else TaskRisk.from_model(found)

    @strawberry.field(description="The goal the task serves, if any.")
    async def goal(self, info: strawberry.Info[Context, None]) -> Goal | None:
        if self.source.goal_id is None:
            return None
        found = await info.context.loaders.get(goals.load_goals).load(self.source.goal_id)
        return None if found is None else Goal.from_model(found)

    @strawberry.field(description="The milestone the task belongs to, if any.")
    async def milestone(self, info: strawberry.Info[Context, None]) -> Milestone | None:
        if self.source.milestone_id is None:
            return None
        found = await info.context.loaders.get(goals.load_milestones).load(self.source.milestone_id)
        return None if found is None else Milestone.from_model(found)

    @classmethod
    def from_model(cls, task: models.Task, loaders: Loaders) -> Task:
        # Long lists build thousands of these: read the loaded values directly rather than
        # through the ORM's per-attribute descriptors.
        value = loaded_values(task, TASK_COLUMNS)
        return cls(
            source=task,
            depends_on=cast(list[Task], PendingDependencies(loaders, value["id"])),
            id=strawberry.ID(to_global_id("Task", value["id"])),
            title=value["title"],
            notes=value["notes"],
            estimated_minutes=value["estimated_minutes"],
            actual_minutes=value["actual_minutes"],
            difficulty=value["difficulty"],
            due_at=value["due_at"],
            status=value["status"],
            finished_at=value["finished_at"],
            timeliness=value["timeliness"],
            skip_reason=value["skip_reason"],
            created_at=value["created_at"],
        )
