"""Listening in on the process's event bus, as a subscriber on another instance would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from core.event_bus import Envelope, Feed, current_bus
from tests.waiting import QUIET_SECONDS, until


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

    async def envelopes(
        self,
        count: int | None = None,
        *,
        done: Callable[[list[Envelope]], bool] | None = None,
        wait: float = 0.5,
    ) -> list[Envelope]:
        """What arrived: once `count` events have, or once `done` holds of them, and a
        moment more for any that should not come; with neither, within `wait` seconds (to
        see that nothing comes). Forgotten once returned."""
        if count is None and done is None:
            await asyncio.sleep(wait)
        else:
            finished = done or (lambda heard: len(heard) >= (count or 0))
            await until(lambda: finished(self._heard), f"the events ({count or done})")
            await asyncio.sleep(QUIET_SECONDS)
        heard, self._heard = self._heard, []
        return heard

    async def heard(
        self, count: int | None = None, *, done: Callable[[list[Envelope]], bool] | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        return [
            (e.channel, {"event": e.event, "data": e.data})
            for e in await self.envelopes(count, done=done)
        ]

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
