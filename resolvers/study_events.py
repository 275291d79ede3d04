"""What goals, tasks and focus sessions tell the rest of the system (gamification,
replanning, notifications) through `core.domain_events`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from core.domain_events import DomainEvent
from db.models.goals import Difficulty, Timeliness


@dataclass(frozen=True)
class TaskAdded(DomainEvent):
    user_id: uuid.UUID
    task_id: uuid.UUID
    due_at: datetime | None


@dataclass(frozen=True)
class TaskChanged(DomainEvent):
    """Its estimate, difficulty, due time, status or dependencies changed, or it is about
    to be deleted."""

    user_id: uuid.UUID
    task_id: uuid.UUID
    deleted: bool = False


@dataclass(frozen=True)
class TaskCompleted(DomainEvent):
    user_id: uuid.UUID
    task_id: uuid.UUID
    goal_id: uuid.UUID | None
    estimated_minutes: int
    actual_minutes: int
    difficulty: Difficulty
    timeliness: Timeliness
    completed_at: datetime


@dataclass(frozen=True)
class TaskSkipped(DomainEvent):
    user_id: uuid.UUID
    task_id: uuid.UUID
    goal_id: uuid.UUID | None
    reason: str | None
    skipped_at: datetime


@dataclass(frozen=True)
class GoalCompleted(DomainEvent):
    user_id: uuid.UUID
    goal_id: uuid.UUID
    completed_at: datetime


@dataclass(frozen=True)
class GoalChanged(DomainEvent):
    """Its priority or status changed, or it is about to be deleted with its tasks."""

    user_id: uuid.UUID
    goal_id: uuid.UUID
    deleted: bool = False


@dataclass(frozen=True)
class FocusSessionCompleted(DomainEvent):
    user_id: uuid.UUID
    session_id: uuid.UUID
    task_id: uuid.UUID | None
    focused_seconds: int
    distractions: int
    completed_at: datetime
