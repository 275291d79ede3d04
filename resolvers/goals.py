"""Goals and their milestones: the rules for creating, changing, ordering and deleting them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain_events import publish
from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.goals import Goal, GoalCategory, GoalPriority, GoalStatus, Milestone
from db.repositories.base import Page
from db.repositories.goals import GoalEffort, GoalListing, GoalRepository, MilestoneRepository
from resolvers.access import Viewer, require_viewer
from resolvers.input_rules import check_target_date, clean_text, clean_title, not_found
from resolvers.study_events import GoalChanged, GoalCompleted

MAX_MILESTONES = 100


@dataclass(frozen=True)
class GoalDraft:
    title: str
    category: GoalCategory
    priority: GoalPriority = GoalPriority.MEDIUM
    description: str | None = None
    target_date: date | None = None


@dataclass(frozen=True)
class GoalChanges:
    """Fields left as None are not changed; `clear` names optional fields to empty."""

    title: str | None = None
    description: str | None = None
    category: GoalCategory | None = None
    priority: GoalPriority | None = None
    status: GoalStatus | None = None
    target_date: date | None = None
    clear: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DeletedGoal:
    goal_id: uuid.UUID
    deleted_tasks: int


def progress(goal: Goal, effort: GoalEffort | None) -> float:
    """Share of the estimated minutes of its tasks that are done; a completed goal is 1."""
    if goal.status == GoalStatus.COMPLETED:
        return 1.0
    if effort is None or effort.total_minutes == 0:
        return 0.0
    return round(effort.done_minutes / effort.total_minutes, 4)


async def list_goals(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, listing: GoalListing
) -> Page[Goal]:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        pages = await GoalRepository(session).pages_for_users([signed_in.user_id], listing)
    return pages[signed_in.user_id]


async def create_goal(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, draft: GoalDraft
) -> Goal:
    signed_in = require_viewer(viewer)
    goal = Goal(
        user_id=signed_in.user_id,
        title=clean_title(draft.title),
        description=clean_text(draft.description, "description"),
        category=draft.category,
        priority=draft.priority,
        status=GoalStatus.ACTIVE,
        target_date=check_target_date(draft.target_date, utcnow()),
    )
    async with UnitOfWork(session_factory) as uow:
        GoalRepository(uow.session).add(goal)
        await uow.commit()
    return goal


async def update_goal(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    goal_id: uuid.UUID,
    changes: GoalChanges,
) -> Goal:
    """Validates everything first: any invalid value changes nothing."""
    signed_in = require_viewer(viewer)
    now = utcnow()
    title = clean_title(changes.title) if changes.title is not None else None
    description = clean_text(changes.description, "description")
    target_date = check_target_date(changes.target_date, now)
    async with UnitOfWork(session_factory) as uow:
        goal = await own_goal(uow.session, signed_in, goal_id, "id")
        if title is not None:
            goal.title = title
        if description is not None or "description" in changes.clear:
            goal.description = description
        if changes.category is not None:
            goal.category = changes.category
        if changes.priority is not None and changes.priority != goal.priority:
            goal.priority = changes.priority
            await publish(uow, GoalChanged(goal.user_id, goal.id))
        if target_date is not None or "targetDate" in changes.clear:
            goal.target_date = target_date
        if changes.status is not None and changes.status != goal.status:
            await _set_status(uow, goal, changes.status, now)
        await uow.commit()
    return goal


async def archive_goal(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, goal_id: uuid.UUID
) -> Goal:
    """Hides a goal from the default lists and the planner, keeping its history."""
    return await update_goal(
        session_factory, viewer, goal_id, GoalChanges(status=GoalStatus.ARCHIVED)
    )


async def delete_goal(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, goal_id: uuid.UUID
) -> DeletedGoal:
    """Deletes the goal with its milestones and tasks (their dependency edges go too)."""
    signed_in = require_viewer(viewer)
    async with UnitOfWork(session_factory) as uow:
        goal = await own_goal(uow.session, signed_in, goal_id, "id")
        await publish(uow, GoalChanged(goal.user_id, goal.id, deleted=True))
        deleted = await GoalRepository(uow.session).delete_with_children(goal)
        await uow.commit()
    return DeletedGoal(goal_id, deleted)


async def add_milestone(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    goal_id: uuid.UUID,
    title: str,
    target_date: date | None,
) -> Milestone:
    signed_in = require_viewer(viewer)
    cleaned = clean_title(title)
    target = check_target_date(target_date, utcnow())
    async with UnitOfWork(session_factory) as uow:
        await own_goal(uow.session, signed_in, goal_id, "goalId")
        milestones = MilestoneRepository(uow.session)
        position = await milestones.next_position(goal_id)
        if position >= MAX_MILESTONES:
            raise UserInputError(
                f"A goal has at most {MAX_MILESTONES} milestones",
                code="TOO_MANY_MILESTONES",
                field="goalId",
            )
        milestone = milestones.add(
            Milestone(
                goal_id=goal_id,
                user_id=signed_in.user_id,
                title=cleaned,
                target_date=target,
                position=position,
            )
        )
        await uow.commit()
    return milestone


async def update_milestone(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    milestone_id: uuid.UUID,
    title: str | None,
    target_date: date | None,
    clear_target_date: bool = False,
) -> Milestone:
    signed_in = require_viewer(viewer)
    cleaned = clean_title(title) if title is not None else None
    target = check_target_date(target_date, utcnow())
    async with UnitOfWork(session_factory) as uow:
        milestone = await own_milestone(uow.session, signed_in, milestone_id, "id")
        if cleaned is not None:
            milestone.title = cleaned
        if target is not None or clear_target_date:
            milestone.target_date = target
        await uow.commit()
    return milestone


async def delete_milestone(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    milestone_id: uuid.UUID,
) -> uuid.UUID:
    """Removes the milestone; its tasks stay with the goal, under no milestone."""
    signed_in = require_viewer(viewer)
    async with UnitOfWork(session_factory) as uow:
        milestone = await own_milestone(uow.session, signed_in, milestone_id, "id")
        await MilestoneRepository(uow.session).delete(milestone)
        await uow.commit()
    return milestone_id


async def reorder_milestones(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    goal_id: uuid.UUID,
    ordered_ids: Sequence[uuid.UUID],
) -> Goal:
    """`ordered_ids` must name each of the goal's milestones exactly once."""
    signed_in = require_viewer(viewer)
    async with UnitOfWork(session_factory) as uow:
        goal = await own_goal(uow.session, signed_in, goal_id, "goalId")
        current = (await MilestoneRepository(uow.session).for_goals([goal_id]))[goal_id]
        if len(set(ordered_ids)) != len(ordered_ids) or set(ordered_ids) != {m.id for m in current}:
            raise UserInputError(
                "List each of the goal's milestones exactly once",
                code="INVALID_MILESTONE_ORDER",
                field="milestoneIds",
            )
        by_id = {m.id: m for m in current}
        for position, milestone_id in enumerate(ordered_ids):
            by_id[milestone_id].position = position
        await uow.commit()
    return goal


async def load_goals(
    session_factory: async_sessionmaker[AsyncSession], ids: Sequence[uuid.UUID]
) -> list[Goal | None]:
    async with session_factory() as session:
        found = await GoalRepository(session).get_many(ids)
    return [found.get(i) for i in ids]


async def load_goal_pages(
    session_factory: async_sessionmaker[AsyncSession],
    keys: Sequence[tuple[uuid.UUID, GoalListing]],
) -> list[Page[Goal]]:
    """DataLoader batch: one statement per distinct listing, whatever the number of users."""
    pages: dict[tuple[uuid.UUID, GoalListing], Page[Goal]] = {}
    async with session_factory() as session:
        repository = GoalRepository(session)
        for listing in dict.fromkeys(listing for _, listing in keys):
            user_ids = [user_id for user_id, other in keys if other == listing]
            found = await repository.pages_for_users(user_ids, listing)
            pages.update({(user_id, listing): found[user_id] for user_id in user_ids})
    return [pages[key] for key in keys]


async def load_goal_effort(
    session_factory: async_sessionmaker[AsyncSession], goal_ids: Sequence[uuid.UUID]
) -> list[GoalEffort | None]:
    async with session_factory() as session:
        found = await GoalRepository(session).effort(goal_ids)
    return [found.get(i) for i in goal_ids]


async def load_milestones_of(
    session_factory: async_sessionmaker[AsyncSession], goal_ids: Sequence[uuid.UUID]
) -> list[list[Milestone]]:
    async with session_factory() as session:
        found = await MilestoneRepository(session).for_goals(goal_ids)
    return [found[i] for i in goal_ids]


async def load_milestones(
    session_factory: async_sessionmaker[AsyncSession], ids: Sequence[uuid.UUID]
) -> list[Milestone | None]:
    async with session_factory() as session:
        found = await MilestoneRepository(session).get_many(ids)
    return [found.get(i) for i in ids]


async def own_goal(session: AsyncSession, viewer: Viewer, goal_id: uuid.UUID, field: str) -> Goal:
    goal = await GoalRepository(session).get(goal_id)
    if goal is None or goal.user_id != viewer.user_id:
        raise not_found("Goal", field)
    return goal


async def own_milestone(
    session: AsyncSession, viewer: Viewer, milestone_id: uuid.UUID, field: str
) -> Milestone:
    milestone = await MilestoneRepository(session).get(milestone_id)
    if milestone is None or milestone.user_id != viewer.user_id:
        raise not_found("Milestone", field)
    return milestone


async def _set_status(uow: UnitOfWork, goal: Goal, status: GoalStatus, now: datetime) -> None:
    goal.status = status
    goal.completed_at = now if status == GoalStatus.COMPLETED else None
    await publish(uow, GoalChanged(goal.user_id, goal.id))
    if status == GoalStatus.COMPLETED:
        await publish(uow, GoalCompleted(goal.user_id, goal.id, now))
