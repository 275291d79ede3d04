"""Badges as data: a criterion and a threshold, and who earned which."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Entity, utcnow

# Column sizes, which input is checked against.
NAME_MAX = 100
DESCRIPTION_MAX = 500


class BadgeCriterion(enum.StrEnum):
    STREAK_DAYS = "STREAK_DAYS"
    TASKS_COMPLETED = "TASKS_COMPLETED"
    FOCUS_MINUTES_IN_WEEK = "FOCUS_MINUTES_IN_WEEK"
    POINTS_TOTAL = "POINTS_TOTAL"
    CHALLENGES_WON = "CHALLENGES_WON"
    PERFECT_ASSESSMENTS = "PERFECT_ASSESSMENTS"


class Badge(Entity):
    __tablename__ = "badges"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX))
    criterion: Mapped[BadgeCriterion] = mapped_column(
        Enum(BadgeCriterion, name="badge_criterion", native_enum=False, length=40), index=True
    )
    threshold: Mapped[int]


class EarnedBadge(Base):
    __tablename__ = "earned_badges"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    badge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True
    )
    # The criterion's value when the badge was earned (e.g. the streak length).
    value: Mapped[int]
    earned_at: Mapped[datetime] = mapped_column(default=utcnow)
