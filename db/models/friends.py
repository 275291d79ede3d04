"""Friends: requests between two users, and the friendships accepted ones make."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Entity, text_enum, utcnow

PAIR_LENGTH = 73  # two UUIDs and a colon


class FriendRequestStatus(enum.StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


def pair_key(a: uuid.UUID, b: uuid.UUID) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


class FriendRequest(Entity):
    """The request between two users, one row per pair (`pair`, see `pair_key`): asking
    again, either way, reuses it. Upserting that row is how a change between the two takes
    its lock, on both databases."""

    __tablename__ = "friend_requests"
    __table_args__ = (
        CheckConstraint("sender_id <> recipient_id", name="not_self"),
        Index("ix_friend_requests_recipient_status", "recipient_id", "status"),
        Index("ix_friend_requests_sender_status", "sender_id", "status"),
    )

    pair: Mapped[str] = mapped_column(String(PAIR_LENGTH), unique=True)
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[FriendRequestStatus] = mapped_column(
        text_enum(FriendRequestStatus, "friend_request_status"),
        default=FriendRequestStatus.PENDING,
    )
    responded_at: Mapped[datetime | None] = mapped_column(default=None)


class Friendship(Base):
    """Stored both ways (a row per user), so "my friends" is one indexed range."""

    __tablename__ = "friendships"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    friend_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
