"""Focus sessions, the distractions logged during them, and sites to block while focusing."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Entity


class FocusStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    ABANDONED = "ABANDONED"


OPEN_FOCUS_STATUSES = (FocusStatus.ACTIVE, FocusStatus.PAUSED)


class DistractionKind(enum.StrEnum):
    WEBSITE = "WEBSITE"
    APP = "APP"
    NOTIFICATION = "NOTIFICATION"
    PERSON = "PERSON"
    OTHER = "OTHER"


_OPEN = "status IN ('ACTIVE', 'PAUSED')"


class FocusSession(Entity):
    __tablename__ = "focus_sessions"
    __table_args__ = (
        # At most one open session per user, enforced by the database under concurrency.
        Index(
            "uq_focus_sessions_open_user_id",
            "user_id",
            unique=True,
            postgresql_where=text(_OPEN),
            sqlite_where=text(_OPEN),
        ),
        Index("ix_focus_sessions_user_id_started_at", "user_id", "started_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), default=None, index=True
    )
    status: Mapped[FocusStatus] = mapped_column(
        Enum(FocusStatus, name="focus_status", native_enum=False, length=20),
        default=FocusStatus.ACTIVE,
    )
    planned_minutes: Mapped[int]
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set while paused; the pause's length is added to `paused_seconds` on resume or end.
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    paused_seconds: Mapped[int] = mapped_column(default=0)
    pause_count: Mapped[int] = mapped_column(default=0)
    distraction_count: Mapped[int] = mapped_column(default=0)
    # Optimistic locking: an UPDATE from a stale read matches no row and is retried.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Distraction(Entity):
    __tablename__ = "focus_distractions"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("focus_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DistractionKind] = mapped_column(
        Enum(DistractionKind, name="distraction_kind", native_enum=False, length=20)
    )
    label: Mapped[str | None] = mapped_column(String(200), default=None)
    occurred_at: Mapped[datetime]


class BlockedSite(Entity):
    __tablename__ = "blocked_sites"
    __table_args__ = (UniqueConstraint("user_id", "pattern"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    pattern: Mapped[str] = mapped_column(String(253))
    active: Mapped[bool] = mapped_column(default=True)
