"""Accounts, their preferences and their refresh tokens."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Entity, utcnow


class Role(enum.StrEnum):
    STUDENT = "STUDENT"
    INSTRUCTOR = "INSTRUCTOR"
    ADMIN = "ADMIN"


class User(Entity):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, length=20), default=Role.STUDENT
    )
    # Bumped by logoutEverywhere and role changes: tokens minted under an older version die.
    token_version: Mapped[int] = mapped_column(default=0)
    institution: Mapped[str | None] = mapped_column(String(200), default=None)
    field_of_study: Mapped[str | None] = mapped_column(String(200), default=None)
    target_exam_date: Mapped[date | None] = mapped_column(default=None)


class Preferences(Base):
    """How a user wants their study time planned; one row per user."""

    __tablename__ = "user_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # [{"weekday": 0-6 (Monday 0), "start": minute of day, "end": minute of day}, ...]
    study_windows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    session_minutes: Mapped[int] = mapped_column(default=50)
    break_minutes: Mapped[int] = mapped_column(default=10)
    day_start_hour: Mapped[int] = mapped_column(default=4)
    notification_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    quiet_hours_start: Mapped[int | None] = mapped_column(default=None)  # minute of day
    quiet_hours_end: Mapped[int | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RefreshToken(Entity):
    """One link of a rotation chain; a family is every token descended from one login."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family_id", "family_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    idle_expires_at: Mapped[datetime]
    family_expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
