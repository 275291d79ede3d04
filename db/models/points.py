"""The points ledger, the balances derived from it, and streaks."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Entity, utcnow


class EntryKind(enum.StrEnum):
    AWARD = "AWARD"
    REDEMPTION = "REDEMPTION"
    REFUND = "REFUND"


class SourceKind(enum.StrEnum):
    """What a ledger entry is for; each source counts once (and has its own daily cap)."""

    TASK = "TASK"
    FOCUS_SESSION = "FOCUS_SESSION"
    REDEMPTION = "REDEMPTION"
    REFUND = "REFUND"


class PointEntry(Entity):
    """One change of a user's points. The balance is the sum of the entries."""

    __tablename__ = "point_entries"
    __table_args__ = (
        # The guarantee against double counting: retries, redelivered jobs and double
        # clicks all name the same source, and the second insert finds it taken.
        UniqueConstraint("source_kind", "source_id"),
        Index("ix_point_entries_user_id_created_at", "user_id", "created_at"),
        Index("ix_point_entries_user_id_source_kind_day", "user_id", "source_kind", "day"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[EntryKind] = mapped_column(
        Enum(EntryKind, name="point_entry_kind", native_enum=False, length=20)
    )
    amount: Mapped[int]
    reason: Mapped[str] = mapped_column(String(40))
    source_kind: Mapped[SourceKind] = mapped_column(
        Enum(SourceKind, name="point_source_kind", native_enum=False, length=20)
    )
    source_id: Mapped[uuid.UUID]
    # The user's own calendar day (time zone and day-start hour) the entry counts for.
    day: Mapped[date]
    # The formula's inputs, so a user can see why an award is what it is.
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class PointBalance(Base):
    """Running sums of the ledger, kept in the same transaction as each entry."""

    __tablename__ = "point_balances"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Spendable: awards and refunds minus redemptions.
    balance: Mapped[int] = mapped_column(default=0)
    # Earned (XP): awards only; levels and leaderboards rank by these.
    total: Mapped[int] = mapped_column(default=0)
    weekly: Mapped[int] = mapped_column(default=0)
    week_start: Mapped[date]
    monthly: Mapped[int] = mapped_column(default=0)
    month_start: Mapped[date]
    # Points per source kind on the user's latest day with an award, for the daily caps
    # (read with the locked row instead of summing the ledger on every award).
    earned_day: Mapped[date | None] = mapped_column(default=None)
    earned_today: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Streak(Base):
    __tablename__ = "streaks"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    current: Mapped[int] = mapped_column(default=0)
    longest: Mapped[int] = mapped_column(default=0)
    freezes: Mapped[int] = mapped_column(default=0)
    # Every 7th active day earns a freeze.
    active_days: Mapped[int] = mapped_column(default=0)
    last_active_day: Mapped[date | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
