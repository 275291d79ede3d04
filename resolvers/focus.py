"""Focus sessions: one open at a time, paused time not counted, and their statistics."""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from core.domain_events import publish
from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.focus import (
    OPEN_FOCUS_STATUSES,
    Distraction,
    DistractionKind,
    FocusSession,
    FocusStatus,
)
from db.models.goals import OPEN_TASK_STATUSES, Task, TaskStatus
from db.repositories.base import Page
from db.repositories.focus import FocusSessionRepository
from resolvers.access import Viewer, load_visible, require_viewer
from resolvers.input_rules import check_minutes, not_found
from resolvers.study_events import FocusSessionCompleted

# A distraction rate of this many per hour halves the productivity score.
DISTRACTIONS_HALVING_SCORE = 4.0
# Re-reads allowed when a session changes between reading and committing.
CONFLICT_RETRIES = 5


class FocusPeriod(enum.Enum):
    DAY = timedelta(days=1)
    WEEK = timedelta(days=7)
    MONTH = timedelta(days=30)


@dataclass(frozen=True)
class FocusStats:
    focused_minutes: int
    sessions: int
    abandoned_sessions: int
    average_session_minutes: float
    distractions_per_hour: float
    productivity_score: int


def focused_seconds(session: FocusSession, now: datetime | None) -> int:
    """Time from start to end (or now), less every pause, the current one included."""
    end = session.ended_at or now
    if end is None:
        return 0
    paused = session.paused_seconds
    if session.paused_at is not None:
        paused += int((end - session.paused_at).total_seconds())
    return max(0, int((end - session.started_at).total_seconds()) - paused)


def minutes(seconds: int) -> int:
    """Whole minutes, halves rounded up (never to even)."""
    return (seconds + 30) // 60


def stats_of(sessions: list[FocusSession]) -> FocusStats:
    """productivityScore = 100 x completion rate x focus ratio / (1 + distractions per hour / 4),
    rounded half up: completion rate = completed / (completed + abandoned); focus ratio = focused /
    (focused + paused) time of completed sessions."""
    completed = [s for s in sessions if s.status == FocusStatus.COMPLETED]
    abandoned = len(sessions) - len(completed)
    focused = sum(focused_seconds(s, None) for s in completed)
    paused = sum(s.paused_seconds for s in completed)
    distractions = sum(s.distraction_count for s in completed)
    per_hour = distractions / (focused / 3600) if focused else 0.0
    score = 0.0
    if completed and focused:
        completion_rate = len(completed) / (len(completed) + abandoned)
        focus_ratio = focused / (focused + paused)
        score = 100 * completion_rate * focus_ratio / (1 + per_hour / DISTRACTIONS_HALVING_SCORE)
    return FocusStats(
        focused_minutes=minutes(focused),
        sessions=len(completed),
        abandoned_sessions=abandoned,
        average_session_minutes=round(focused / 60 / len(completed), 1) if completed else 0.0,
        distractions_per_hour=round(per_hour, 2),
        productivity_score=math.floor(score + 0.5),
    )


async def focus_stats(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    period: FocusPeriod,
    now: datetime | None = None,
) -> FocusStats:
    """Over the sessions that ended within the period up to now."""
    signed_in = require_viewer(viewer)
    now = now or utcnow()
    async with session_factory() as session:
        ended = await FocusSessionRepository(session).ended_between(
            signed_in.user_id, now - period.value, now
        )
    return stats_of(ended)


async def start_focus_session(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    planned_minutes: int,
    task_id: uuid.UUID | None,
    now: datetime | None = None,
) -> FocusSession:
    """Starts a session (on a task, which then counts as in progress); one open at a time."""
    signed_in = require_viewer(viewer)
    check_minutes(planned_minutes, "plannedMinutes", low=5, high=240)
    now = now or utcnow()
    async with UnitOfWork(session_factory) as uow:
        sessions = FocusSessionRepository(uow.session)
        if await sessions.open_for(signed_in.user_id) is not None:
            raise _already_open()
        if task_id is not None:
            task = await uow.session.get(Task, task_id)
            if task is None or task.user_id != signed_in.user_id:
                raise not_found("Task", "taskId")
            if task.status not in OPEN_TASK_STATUSES:
                raise UserInputError(
                    "The task is already finished", code="TASK_FINISHED", field="taskId"
                )
            task.status = TaskStatus.IN_PROGRESS
        focus = sessions.add(
            FocusSession(
                user_id=signed_in.user_id,
                task_id=task_id,
                status=FocusStatus.ACTIVE,
                planned_minutes=planned_minutes,
                started_at=now,
                paused_seconds=0,
                pause_count=0,
                distraction_count=0,
            )
        )
        try:
            await uow.session.flush()
        except IntegrityError as exc:  # a concurrent start won the race
            raise _already_open() from exc
        await uow.commit()
    return focus


Step = Callable[[UnitOfWork, FocusSession, datetime], Awaitable[None]]


async def _transition(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    session_id: uuid.UUID,
    now: datetime | None,
    step: Step,
) -> FocusSession:
    """Applies a state change that commits only if nobody changed the session since it was
    read (its version column); otherwise the change is re-read and decided again, so of two
    racing completions one wins and the other finds the session already ended."""
    now = now or utcnow()
    for _ in range(CONFLICT_RETRIES):
        try:
            async with UnitOfWork(session_factory) as uow:
                focus = await _own(uow.session, viewer, session_id)
                await step(uow, focus, now)
                await uow.commit()
            return focus
        except StaleDataError:
            continue
    raise UserInputError("The session kept changing; try again", code="CONFLICT", field="id")


async def _pause(_uow: UnitOfWork, focus: FocusSession, now: datetime) -> None:
    _require(focus, FocusStatus.ACTIVE, "Only an active session can be paused")
    focus.status = FocusStatus.PAUSED
    focus.paused_at = now
    focus.pause_count += 1


async def _resume(_uow: UnitOfWork, focus: FocusSession, now: datetime) -> None:
    _require(focus, FocusStatus.PAUSED, "Only a paused session can be resumed")
    _end_pause(focus, now)
    focus.status = FocusStatus.ACTIVE


async def _complete(uow: UnitOfWork, focus: FocusSession, now: datetime) -> None:
    _end(focus, FocusStatus.COMPLETED, now)
    await publish(
        uow,
        FocusSessionCompleted(
            user_id=focus.user_id,
            session_id=focus.id,
            task_id=focus.task_id,
            focused_seconds=focused_seconds(focus, now),
            distractions=focus.distraction_count,
            completed_at=now,
        ),
    )


async def _abandon(_uow: UnitOfWork, focus: FocusSession, now: datetime) -> None:
    _end(focus, FocusStatus.ABANDONED, now)


async def pause_focus_session(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> FocusSession:
    return await _transition(session_factory, viewer, session_id, now, _pause)


async def resume_focus_session(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> FocusSession:
    return await _transition(session_factory, viewer, session_id, now, _resume)


async def complete_focus_session(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> FocusSession:
    return await _transition(session_factory, viewer, session_id, now, _complete)


async def abandon_focus_session(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> FocusSession:
    return await _transition(session_factory, viewer, session_id, now, _abandon)


async def log_distraction(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    kind: DistractionKind,
    label: str | None,
    now: datetime | None = None,
) -> FocusSession:
    """Counts a distraction against the open session."""
    signed_in = require_viewer(viewer)
    cleaned = " ".join(label.split())[:200] or None if label else None
    now = now or utcnow()
    async with UnitOfWork(session_factory) as uow:
        sessions = FocusSessionRepository(uow.session)
        # Counted in SQL: concurrent distractions all count and never touch the version.
        focus = await sessions.count_distraction(signed_in.user_id)
        if focus is None:
            raise UserInputError("There is no open focus session", code="NO_ACTIVE_SESSION")
        uow.session.add(
            Distraction(
                session_id=focus.id,
                user_id=signed_in.user_id,
                kind=kind,
                label=cleaned,
                occurred_at=now,
            )
        )
        await uow.commit()
    return focus


async def active_focus_session(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None
) -> FocusSession | None:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        return await FocusSessionRepository(session).open_for(signed_in.user_id)


async def list_focus_sessions(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    *,
    statuses: tuple[FocusStatus, ...],
    first: int,
    after: str | None,
) -> Page[FocusSession]:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        return await FocusSessionRepository(session).page(
            signed_in.user_id, statuses=statuses, first=first, after=after
        )


async def get_focus_session(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    session_id: uuid.UUID,
) -> FocusSession | None:
    return await load_visible(session_factory, viewer, FocusSessionRepository, session_id)


async def _own(session: AsyncSession, viewer: Viewer | None, session_id: uuid.UUID) -> FocusSession:
    signed_in = require_viewer(viewer)
    focus = await FocusSessionRepository(session).get(session_id)
    if focus is None or focus.user_id != signed_in.user_id:
        raise not_found("FocusSession", "id")
    return focus


def _require(focus: FocusSession, status: FocusStatus, message: str) -> None:
    if focus.status != status:
        raise UserInputError(message, code="INVALID_SESSION_STATE", field="id")


def _end_pause(focus: FocusSession, now: datetime) -> None:
    if focus.paused_at is not None:
        focus.paused_seconds += max(0, int((now - focus.paused_at).total_seconds()))
        focus.paused_at = None


def _end(focus: FocusSession, status: FocusStatus, now: datetime) -> None:
    if focus.status not in OPEN_FOCUS_STATUSES:
        raise UserInputError(
            "The session has already ended", code="INVALID_SESSION_STATE", field="id"
        )
    _end_pause(focus, now)
    focus.status = status
    focus.ended_at = now


def _already_open() -> UserInputError:
    return UserInputError(
        "Another focus session is still open; complete or abandon it first",
        code="FOCUS_SESSION_ACTIVE",
    )
