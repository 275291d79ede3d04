"""The rewards catalog and redemptions of it."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Entity

# Column sizes, which input is checked against.
NAME_MAX = 100
DESCRIPTION_MAX = 500


class RewardTier(enum.StrEnum):
    BRONZE = "BRONZE"
    SILVER = "SILVER"
    GOLD = "GOLD"
    PLATINUM = "PLATINUM"


class RedemptionStatus(enum.StrEnum):
    PENDING = "PENDING"
    FULFILLED = "FULFILLED"
    CANCELLED = "CANCELLED"


class Reward(Entity):
    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    cost: Mapped[int]
    stock: Mapped[int]
    tier: Mapped[RewardTier] = mapped_column(
        Enum(RewardTier, name="reward_tier", native_enum=False, length=20)
    )


class Redemption(Entity):
    __tablename__ = "redemptions"
    __table_args__ = (
        # A repeated key finds the first redemption instead of making a second one.
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_redemptions_user_id_created_at", "user_id", "created_at"),
        # The hourly job that forgets day-old keys reads only the redemptions still keyed.
        Index(
            "ix_redemptions_keyed_created_at",
            "created_at",
            postgresql_where=text("idempotency_key IS NOT NULL"),
            sqlite_where=text("idempotency_key IS NOT NULL"),
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reward_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("rewards.id", ondelete="RESTRICT"), index=True
    )
    # The price paid, refunded as is even if the catalog's price changes later.
    cost: Mapped[int]
    status: Mapped[RedemptionStatus] = mapped_column(
        Enum(RedemptionStatus, name="redemption_status", native_enum=False, length=20),
        default=RedemptionStatus.PENDING,
    )
    # Kept for KEY_KEPT after the redemption, then forgotten (NULL): the key may be used again.
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # The spendable balance right after the redemption: part of the answer a repeated key
    # replays.
    balance_after: Mapped[int]
