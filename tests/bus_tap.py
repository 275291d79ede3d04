"""Listening in on the process's event bus, as a subscriber on another instance would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from core.event_bus import Envelope, Feed, current_bus


class Tap:
    """Collects every event of the channels it watches, as (channel, {"event", "data"})."""

    def __init__(self, stack: contextlib.AsyncExitStack):
        self._stack = stack
        self._heard: list[Envelope] = []
        self._readers: list[asyncio.Task[None]] = []

    async def watch(self, *channels: str) -> None:
        for channel in channels:
            feed = await self._stack.enter_async_context(current_bus().subscribe(channel))
            self._readers.append(asyncio.create_task(self._read(feed)))

    async def _read(self, feed: Feed) -> None:
        while True:
            item = await feed.get()
            if isinstance(item, Envelope):
                self._heard.append(item)

    async def envelopes(self, wait: float = 0.5) -> list[Envelope]:
        """What arrived by now and within `wait` seconds more; forgotten once returned."""
        await asyncio.sleep(wait)
        heard, self._heard = self._heard, []
        return heard

    async def heard(self, wait: float = 0.5) -> list[tuple[str, dict[str, Any]]]:
        return [(e.channel, {"event": e.event, "data": e.data}) for e in await self.envelopes(wait)]

    def stop(self) -> None:
        for reader in self._readers:
            reader.cancel()


@contextlib.asynccontextmanager
async def tapped(*channels: str) -> AsyncIterator[Tap]:
    async with contextlib.AsyncExitStack() as stack:
        tap = Tap(stack)
        await tap.watch(*channels)
        try:
            yield tap
        finally:
            tap.stop()
