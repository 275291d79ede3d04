"""The log of what live clients are told, so a reconnecting client can catch up.

Each channel (`user:{id}`, …) numbers its events 1, 2, 3, … with no gap: the counter row is
locked from the increment to the commit, so a channel's events commit in number order and
a client that has seen number n has seen everything before it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

CHANNEL_MAX = 120


class ChannelEvent(Base):
    __tablename__ = "channel_events"
    __table_args__ = (Index("ix_channel_events_created_at", "created_at"),)

    channel: Mapped[str] = mapped_column(String(CHANNEL_MAX), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelSequence(Base):
    __tablename__ = "channel_sequences"

    channel: Mapped[str] = mapped_column(String(CHANNEL_MAX), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
