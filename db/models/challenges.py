"""Challenges: a goal many users race to over a period, and how far each has come."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Entity, text_enum, utcnow

TITLE_MAX = 100
DESCRIPTION_MAX = 500


class ChallengeMetric(enum.StrEnum):
    FOCUS_MINUTES = "FOCUS_MINUTES"  # minutes of completed focus sessions
    TASKS_COMPLETED = "TASKS_COMPLETED"
    STREAK_DAYS = "STREAK_DAYS"  # the longest streak reached during the challenge


class Challenge(Entity):
    """Public, or within a study group (`group_id`). `settled_at` is set once, when its
    winners are named after it ended."""

    __tablename__ = "challenges"
    __table_args__ = (Index("ix_challenges_settled_at_ends_at", "settled_at", "ends_at"),)

    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    metric: Mapped[ChallengeMetric] = mapped_column(text_enum(ChallengeMetric, "challenge_metric"))
    target: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("study_groups.id", ondelete="CASCADE"), default=None, index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    settled_at: Mapped[datetime | None] = mapped_column(default=None)


class ChallengeParticipant(Base):
    __tablename__ = "challenge_participants"

    challenge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    progress: Mapped[int] = mapped_column(default=0)
    reached_at: Mapped[datetime | None] = mapped_column(default=None)  # progress hit target
    won: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
