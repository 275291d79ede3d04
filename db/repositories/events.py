"""The channel event log: appending a transaction's events, replaying what a client missed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.events import ChannelEvent, ChannelSequence
from db.repositories.driver import DriverStatement

# One round trip on PostgreSQL: take the channel's next numbers (locking its counter row
# until the commit, which keeps numbers in commit order) and write the events under them.
_APPEND_POSTGRES = text(
    """
    WITH s AS (
        INSERT INTO channel_sequences (channel, last_seq) VALUES (:channel, :n)
        ON CONFLICT (channel) DO UPDATE SET last_seq = channel_sequences.last_seq + :n
        RETURNING last_seq
    )
    INSERT INTO channel_events (channel, seq, event, data, created_at)
    SELECT :channel, s.last_seq - :n + e.ord, e.event, e.data, :at
    FROM s, json_to_recordset(CAST(:rows AS json)) AS e(ord int, event text, data json)
    RETURNING seq
    """
)
_APPEND_ON_DRIVER = DriverStatement(_APPEND_POSTGRES)


class ChannelEventRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def append(
        self, channel: str, events: Sequence[tuple[str, dict[str, Any]]], at: datetime
    ) -> list[int]:
        """Logs the events on the channel under its next numbers, which it returns."""
        n = len(events)
        if self.session.get_bind().dialect.name == "postgresql":
            rows = orjson.dumps(
                [
                    {"ord": i + 1, "event": name, "data": data}
                    for i, (name, data) in enumerate(events)
                ],
                default=str,
            ).decode()
            values = {"channel": channel, "n": n, "rows": rows, "at": at}
            return sorted(row[0] for row in await _APPEND_ON_DRIVER.fetch(self.session, values))
        upsert = (
            sqlite.insert(ChannelSequence)
            .values(channel=channel, last_seq=n)
            .on_conflict_do_update(
                index_elements=["channel"], set_={"last_seq": ChannelSequence.last_seq + n}
            )
            .returning(ChannelSequence.last_seq)
        )
        last = (await self.session.execute(upsert)).scalar_one()
        numbers = list(range(last - n + 1, last + 1))
        await self.session.execute(
            insert(ChannelEvent),
            [
                {"channel": channel, "seq": seq, "event": name, "data": data, "created_at": at}
                for seq, (name, data) in zip(numbers, events, strict=True)
            ],
        )
        return numbers

    async def after(self, channel: str, seq: int, limit: int) -> list[ChannelEvent]:
        """The channel's events numbered above `seq`, oldest first."""
        query = (
            select(ChannelEvent)
            .where(ChannelEvent.channel == channel, ChannelEvent.seq > seq)
            .order_by(ChannelEvent.seq)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def last_seq(self, channel: str) -> int:
        found = await self.session.scalar(
            select(ChannelSequence.last_seq).where(ChannelSequence.channel == channel)
        )
        return found or 0

    async def prune(self, before: datetime) -> int:
        """Forgets events older than `before` (the counters stay, so numbers never repeat)."""
        result = await self.session.execute(
            delete(ChannelEvent).where(ChannelEvent.created_at < before)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
