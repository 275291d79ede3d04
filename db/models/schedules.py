"""A user's study plan: its slots on the calendar, the tasks it cannot fit, and its state."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Entity, text_enum, utcnow


class SlotKind(enum.StrEnum):
    TASK = "TASK"
    BREAK = "BREAK"
    BUFFER = "BUFFER"
    REVIEW = "REVIEW"


class RiskCode(enum.StrEnum):
    NOT_ENOUGH_TIME = "NOT_ENOUGH_TIME"
    DEPENDENCY_LATE = "DEPENDENCY_LATE"
    OVERDUE = "OVERDUE"
    NO_STUDY_WINDOWS = "NO_STUDY_WINDOWS"


class SchedulePlan(Base):
    """One per user who has asked for a plan: what to plan, and the job planning it now.

    Replanning joins the job already queued rather than queueing another, so a burst of
    changes is planned once.
    """

    __tablename__ = "schedule_plans"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[int]
    # The first day asked for (the user's own calendar); the plan starts there or now.
    from_date: Mapped[date]
    version: Mapped[int] = mapped_column(default=0)
    planned_at: Mapped[datetime | None] = mapped_column(default=None)
    pending_job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), default=None
    )
    replan_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    # When the user's next day begins: the nightly run plans it then, once.
    next_night_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScheduleSlot(Entity):
    __tablename__ = "schedule_slots"
    __table_args__ = (
        Index("ix_schedule_slots_user_id_start_at", "user_id", "start_at"),
        Index("ix_schedule_slots_task_id", "task_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[SlotKind] = mapped_column(text_enum(SlotKind, "slot_kind"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), default=None
    )
    reason: Mapped[str] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(default=False)


class TaskRisk(Base):
    """A task the current plan cannot finish before its due date, and why."""

    __tablename__ = "task_risks"

    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[RiskCode] = mapped_column(text_enum(RiskCode, "risk_code"))
    reason: Mapped[str] = mapped_column(Text)
