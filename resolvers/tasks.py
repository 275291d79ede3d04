"""Tasks: creating and changing them, their dependency graph, completing and skipping."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from core.domain_events import publish
from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.goals import OPEN_TASK_STATUSES, Difficulty, Task, TaskStatus, Timeliness
from db.repositories.base import Page
from db.repositories.focus import FocusSessionRepository
from db.repositories.tasks import TaskListing, TaskRepository
from db.repositories.users import UserRepository
from resolvers.access import Viewer, require_viewer
from resolvers.focus import focused_seconds
from resolvers.focus import minutes as focus_minutes
from resolvers.goals import own_goal, own_milestone
from resolvers.input_rules import check_due_at, check_minutes, clean_text, clean_title, not_found
from resolvers.study_events import TaskAdded, TaskChanged, TaskCompleted, TaskSkipped

MAX_DEPENDENCIES = 50
_PLANNED_FIELDS = ("estimated_minutes", "difficulty", "due_at", "status")
MAX_TASK_MINUTES = 24 * 60
# Finishing at least this long before the due time counts as early.
EARLY_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class TaskDraft:
    title: str
    estimated_minutes: int
    difficulty: Difficulty = Difficulty.MEDIUM
    notes: str | None = None
    goal_id: uuid.UUID | None = None
    milestone_id: uuid.UUID | None = None
    due_at: datetime | None = None
    depends_on: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class TaskChanges:
    """Fields left as None are not changed; `clear` names optional fields to empty."""

    title: str | None = None
    notes: str | None = None
    estimated_minutes: int | None = None
    difficulty: Difficulty | None = None
    due_at: datetime | None = None
    milestone_id: uuid.UUID | None = None
    status: TaskStatus | None = None
    depends_on: tuple[uuid.UUID, ...] | None = None
    clear: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Completion:
    task: Task
    timeliness: Timeliness


def timeliness(due_at: datetime | None, finished_at: datetime) -> Timeliness:
    if due_at is None:
        return Timeliness.NO_DUE_DATE
    if finished_at <= due_at - EARLY_MARGIN:
        return Timeliness.EARLY
    return Timeliness.ON_TIME if finished_at <= due_at else Timeliness.LATE


async def list_tasks(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, listing: TaskListing
) -> Page[Task]:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        pages = await TaskRepository(session).pages_under(
            Task.user_id, [signed_in.user_id], listing
        )
    return pages[signed_in.user_id]


async def create_task(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, draft: TaskDraft
) -> Task:
    signed_in = require_viewer(viewer)
    now = utcnow()
    task = Task(
        user_id=signed_in.user_id,
        title=clean_title(draft.title),
        notes=clean_text(draft.notes, "notes"),
        estimated_minutes=_estimate(draft.estimated_minutes),
        difficulty=draft.difficulty,
        due_at=check_due_at(draft.due_at, now),
        status=TaskStatus.PENDING,
    )
    async with UnitOfWork(session_factory) as uow:
        session = uow.session
        goal_id = draft.goal_id
        if draft.milestone_id is not None:
            milestone = await own_milestone(session, signed_in, draft.milestone_id, "milestoneId")
            if goal_id is not None and goal_id != milestone.goal_id:
                raise UserInputError(
                    "The milestone belongs to another goal",
                    code="MILESTONE_OF_OTHER_GOAL",
                    field="milestoneId",
                )
            goal_id = milestone.goal_id
            task.milestone_id = milestone.id
        if goal_id is not None:
            await own_goal(session, signed_in, goal_id, "goalId")
            task.goal_id = goal_id
        tasks = TaskRepository(session)
        tasks.add(task)
        await session.flush()
        if draft.depends_on:
            await _set_dependencies(session, signed_in, task, draft.depends_on)
        await publish(uow, TaskAdded(task.user_id, task.id, task.due_at))
        await uow.commit()
    return task


async def update_task(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    task_id: uuid.UUID,
    changes: TaskChanges,
) -> Task:
    """Validates everything first: any invalid value changes nothing."""
    signed_in = require_viewer(viewer)
    now = utcnow()
    title = clean_title(changes.title) if changes.title is not None else None
    notes = clean_text(changes.notes, "notes")
    estimate = _estimate(changes.estimated_minutes)
    due_at = check_due_at(changes.due_at, now)
    if changes.status is not None and changes.status not in OPEN_TASK_STATUSES:
        raise UserInputError(
            "Use completeTask or skipTask to finish a task", code="INVALID_STATUS", field="status"
        )
    async with UnitOfWork(session_factory) as uow:
        session = uow.session
        task = await own_task(session, signed_in, task_id, "id")
        if changes.status is not None and task.status not in OPEN_TASK_STATUSES:
            raise UserInputError(
                "A finished task cannot be reopened", code="TASK_FINISHED", field="status"
            )
        if changes.milestone_id is not None:
            milestone = await own_milestone(session, signed_in, changes.milestone_id, "milestoneId")
            if milestone.goal_id != task.goal_id:
                raise UserInputError(
                    "The milestone belongs to another goal",
                    code="MILESTONE_OF_OTHER_GOAL",
                    field="milestoneId",
                )
            task.milestone_id = milestone.id
        elif "milestoneId" in changes.clear:
            task.milestone_id = None
        if title is not None:
            task.title = title
        if notes is not None or "notes" in changes.clear:
            task.notes = notes
        if estimate is not None:
            task.estimated_minutes = estimate
        if changes.difficulty is not None:
            task.difficulty = changes.difficulty
        if due_at is not None or "dueAt" in changes.clear:
            task.due_at = due_at
        if changes.status is not None:
            task.status = changes.status
        if changes.depends_on is not None:
            await _set_dependencies(session, signed_in, task, changes.depends_on)
        if _changes_plan(task) or changes.depends_on is not None:
            await publish(uow, TaskChanged(task.user_id, task.id))
        await uow.commit()
    return task


def _changes_plan(task: Task) -> bool:
    """Whether the edit touched what a study plan is made of."""
    state = inspect(task)
    return any(state.attrs[name].history.has_changes() for name in _PLANNED_FIELDS)


async def delete_task(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    task_id: uuid.UUID,
    *,
    detach_dependents: bool,
) -> uuid.UUID:
    """Refuses to delete a task others depend on unless told to detach them."""
    signed_in = require_viewer(viewer)
    async with UnitOfWork(session_factory) as uow:
        tasks = TaskRepository(uow.session)
        task = await own_task(uow.session, signed_in, task_id, "id")
        if await tasks.dependent_ids(task_id) and not detach_dependents:
            raise UserInputError(
                "Other tasks depend on this one; pass detachDependents to delete it anyway",
                code="HAS_DEPENDENTS",
                field="id",
            )
        await publish(uow, TaskChanged(task.user_id, task.id, deleted=True))
        await tasks.detach_dependents(task_id)
        await tasks.delete(task)
        await uow.commit()
    return task_id


async def complete_task(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    task_id: uuid.UUID,
    actual_minutes: int | None,
    now: datetime | None = None,
) -> Completion:
    """Records the completion once: of concurrent calls one succeeds, the others get
    TASK_FINISHED. Without `actual_minutes`, the focused time of the task's completed
    focus sessions is used, or else the estimate."""
    signed_in = require_viewer(viewer)
    check_minutes(actual_minutes, "actualMinutes", low=0, high=MAX_TASK_MINUTES)
    now = now or utcnow()
    async with UnitOfWork(session_factory) as uow:
        tasks = TaskRepository(uow.session)
        task = await own_task(uow.session, signed_in, task_id, "id")
        depends_on = (await tasks.dependency_ids([task_id]))[task_id]
        open_dependencies = [
            d for d in (await tasks.get_many(depends_on)).values() if d.status in OPEN_TASK_STATUSES
        ]
        if open_dependencies:
            raise UserInputError(
                f"{len(open_dependencies)} task(s) this one depends on are not done yet",
                code="DEPENDENCIES_OPEN",
                field="id",
            )
        minutes = actual_minutes
        if minutes is None:
            sessions = await FocusSessionRepository(uow.session).completed_on_task(task_id)
            focused = sum(focused_seconds(s, None) for s in sessions)
            minutes = focus_minutes(focused) if sessions else task.estimated_minutes
        when = timeliness(task.due_at, now)
        if not await tasks.finish(
            task, TaskStatus.COMPLETED, now, actual_minutes=minutes, timeliness=when
        ):
            raise _finished()
        await publish(
            uow,
            TaskCompleted(
                user_id=task.user_id,
                task_id=task.id,
                goal_id=task.goal_id,
                estimated_minutes=task.estimated_minutes,
                actual_minutes=minutes,
                difficulty=task.difficulty,
                timeliness=when,
                completed_at=now,
            ),
        )
        await uow.commit()
    return Completion(task, when)


async def skip_task(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    task_id: uuid.UUID,
    reason: str | None,
    now: datetime | None = None,
) -> Task:
    """Marks an open task skipped (it no longer counts towards its goal's progress)."""
    signed_in = require_viewer(viewer)
    cleaned = clean_text(reason, "reason")
    if cleaned is not None and len(cleaned) > 500:
        raise UserInputError("Use at most 500 characters", code="TEXT_TOO_LONG", field="reason")
    now = now or utcnow()
    async with UnitOfWork(session_factory) as uow:
        tasks = TaskRepository(uow.session)
        task = await own_task(uow.session, signed_in, task_id, "id")
        if not await tasks.finish(task, TaskStatus.SKIPPED, now, skip_reason=cleaned):
            raise _finished()
        await publish(uow, TaskSkipped(task.user_id, task.id, task.goal_id, cleaned, now))
        await uow.commit()
    return task


async def own_task(session: AsyncSession, viewer: Viewer, task_id: uuid.UUID, field: str) -> Task:
    task = await TaskRepository(session).get(task_id)
    if task is None or task.user_id != viewer.user_id:
        raise not_found("Task", field)
    return task


async def load_tasks(
    session_factory: async_sessionmaker[AsyncSession], ids: Sequence[uuid.UUID]
) -> list[Task | None]:
    async with session_factory() as session:
        found = await TaskRepository(session).get_many(ids)
    return [found.get(i) for i in ids]


async def load_dependency_ids(
    session_factory: async_sessionmaker[AsyncSession], task_ids: Sequence[uuid.UUID]
) -> list[list[uuid.UUID]]:
    async with session_factory() as session:
        found = await TaskRepository(session).dependency_ids(task_ids)
    return [found[i] for i in task_ids]


async def load_dependency_ids_of_pages(
    session_factory: async_sessionmaker[AsyncSession], pages: Sequence[tuple[uuid.UUID, ...]]
) -> list[dict[uuid.UUID, list[uuid.UUID]]]:
    """DataLoader batch keyed by a whole page of task ids: one statement for every page."""
    async with session_factory() as session:
        found = await TaskRepository(session).dependency_ids([i for page in pages for i in page])
    return [{task_id: found[task_id] for task_id in page} for page in pages]


async def load_milestone_task_pages(
    session_factory: async_sessionmaker[AsyncSession],
    keys: Sequence[tuple[uuid.UUID, TaskListing]],
) -> list[Page[Task]]:
    return await _pages(session_factory, Task.milestone_id, keys)


async def load_goal_task_pages(
    session_factory: async_sessionmaker[AsyncSession],
    keys: Sequence[tuple[uuid.UUID, TaskListing]],
) -> list[Page[Task]]:
    return await _pages(session_factory, Task.goal_id, keys)


async def _pages(
    session_factory: async_sessionmaker[AsyncSession],
    parent: InstrumentedAttribute[uuid.UUID | None],
    keys: Sequence[tuple[uuid.UUID, TaskListing]],
) -> list[Page[Task]]:
    """One statement per distinct listing, whatever the number of parents."""
    pages: dict[tuple[uuid.UUID, TaskListing], Page[Task]] = {}
    async with session_factory() as session:
        repository = TaskRepository(session)
        for listing in dict.fromkeys(listing for _, listing in keys):
            parent_ids = [parent_id for parent_id, other in keys if other == listing]
            found = await repository.pages_under(parent, parent_ids, listing)
            pages.update({(parent_id, listing): found[parent_id] for parent_id in parent_ids})
    return [pages[key] for key in keys]


async def _set_dependencies(
    session: AsyncSession, viewer: Viewer, task: Task, depends_on: Sequence[uuid.UUID]
) -> None:
    wanted = list(dict.fromkeys(depends_on))
    if len(wanted) > MAX_DEPENDENCIES:
        raise UserInputError(
            f"A task depends on at most {MAX_DEPENDENCIES} others",
            code="TOO_MANY_DEPENDENCIES",
            field="dependsOn",
        )
    if task.id in wanted:
        raise UserInputError(
            "A task cannot depend on itself", code="DEPENDENCY_CYCLE", field="dependsOn"
        )
    # Concurrent edits of one user's graph could each pass the check and form a cycle together.
    await UserRepository(session).lock(viewer.user_id)
    tasks = TaskRepository(session)
    found = await tasks.owned(viewer.user_id, wanted)
    if len(found) != len(wanted):
        raise not_found("Task", "dependsOn")
    edges = await tasks.edges_of_user(viewer.user_id)
    if _reaches(edges, start=wanted, target=task.id):
        raise UserInputError(
            "These dependencies would form a cycle", code="DEPENDENCY_CYCLE", field="dependsOn"
        )
    await tasks.replace_dependencies(task.id, wanted)


def _reaches(
    edges: Sequence[tuple[uuid.UUID, uuid.UUID]], *, start: Sequence[uuid.UUID], target: uuid.UUID
) -> bool:
    """Whether `target` is among what `start` depends on, directly or through others."""
    depends: dict[uuid.UUID, list[uuid.UUID]] = {}
    for task_id, depends_on in edges:
        depends.setdefault(task_id, []).append(depends_on)
    seen: set[uuid.UUID] = set()
    stack = list(start)
    while stack:
        current = stack.pop()
        if current == target:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(depends.get(current, ()))
    return False


def _estimate(value: int | None) -> int | None:
    return check_minutes(value, "estimatedMinutes", low=1, high=MAX_TASK_MINUTES)


def _finished() -> UserInputError:
    return UserInputError("The task is already finished", code="TASK_FINISHED", field="id")
