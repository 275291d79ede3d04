"""Weekly leagues: each week's cohorts, the standings kept after the rollover, and tiers."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Enum, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class LeagueTier(enum.StrEnum):
    BRONZE = "BRONZE"
    SILVER = "SILVER"
    GOLD = "GOLD"
    PLATINUM = "PLATINUM"
    DIAMOND = "DIAMOND"


class LeagueOutcome(enum.StrEnum):
    PROMOTED = "PROMOTED"
    STAYED = "STAYED"
    DEMOTED = "DEMOTED"


_tier = Enum(LeagueTier, name="league_tier", native_enum=False, length=20)


class LeagueMembership(Base):
    """A user's place in one week's cohort; the result columns are filled at the rollover."""

    __tablename__ = "league_memberships"
    __table_args__ = (
        Index("ix_league_memberships_week_tier_cohort", "week_start", "tier", "cohort"),
    )

    week_start: Mapped[date] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    tier: Mapped[LeagueTier] = mapped_column(_tier)
    cohort: Mapped[int]
    points: Mapped[int | None] = mapped_column(default=None)
    rank: Mapped[int | None] = mapped_column(default=None)
    outcome: Mapped[LeagueOutcome | None] = mapped_column(
        Enum(LeagueOutcome, name="league_outcome", native_enum=False, length=20), default=None
    )


class LeaguePlayer(Base):
    """The tier a user plays next week in."""

    __tablename__ = "league_players"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tier: Mapped[LeagueTier] = mapped_column(_tier, default=LeagueTier.BRONZE)
