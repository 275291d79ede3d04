"""Goals, their ordered milestones, tasks and the dependencies between tasks."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Entity, text_enum


class GoalCategory(enum.StrEnum):
    EXAM = "EXAM"
    SKILL = "SKILL"
    CERTIFICATION = "CERTIFICATION"
    PLACEMENT = "PLACEMENT"
    OTHER = "OTHER"


class GoalPriority(enum.StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class GoalStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    ARCHIVED = "ARCHIVED"


class Difficulty(enum.StrEnum):
    EASY = "EASY"
    MEDIUM = "MEDIUM"
    HARD = "HARD"


class TaskStatus(enum.StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    SKIPPED = "SKIPPED"


OPEN_TASK_STATUSES = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


class Timeliness(enum.StrEnum):
    EARLY = "EARLY"
    ON_TIME = "ON_TIME"
    LATE = "LATE"
    NO_DUE_DATE = "NO_DUE_DATE"


class Goal(Entity):
    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_user_id_status", "user_id", "status"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    category: Mapped[GoalCategory] = mapped_column(text_enum(GoalCategory, "goal_category"))
    priority: Mapped[GoalPriority] = mapped_column(
        text_enum(GoalPriority, "goal_priority"), default=GoalPriority.MEDIUM
    )
    status: Mapped[GoalStatus] = mapped_column(
        text_enum(GoalStatus, "goal_status"), default=GoalStatus.ACTIVE
    )
    target_date: Mapped[date | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class Milestone(Entity):
    __tablename__ = "milestones"
    __table_args__ = (Index("ix_milestones_goal_id_position", "goal_id", "position"),)

    goal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    # Denormalised owner: authorization and deletion need no join.
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    target_date: Mapped[date | None] = mapped_column(default=None)
    position: Mapped[int]


class Task(Entity):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_user_id_status", "user_id", "status"),
        Index("ix_tasks_goal_id", "goal_id"),
        Index("ix_tasks_milestone_id", "milestone_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    goal_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), default=None
    )
    milestone_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("milestones.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    estimated_minutes: Mapped[int]
    actual_minutes: Mapped[int | None] = mapped_column(default=None)
    difficulty: Mapped[Difficulty] = mapped_column(
        text_enum(Difficulty, "task_difficulty"), default=Difficulty.MEDIUM
    )
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[TaskStatus] = mapped_column(
        text_enum(TaskStatus, "task_status"), default=TaskStatus.PENDING
    )
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    timeliness: Mapped[Timeliness | None] = mapped_column(
        text_enum(Timeliness, "task_timeliness"), default=None
    )
    skip_reason: Mapped[str | None] = mapped_column(String(500), default=None)


class TaskDependency(Base):
    """`task_id` cannot start before `depends_on_id` is done; the graph has no cycles."""

    __tablename__ = "task_dependencies"
    __table_args__ = (Index("ix_task_dependencies_depends_on_id", "depends_on_id"),)

    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    depends_on_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
