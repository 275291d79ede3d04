"""Waiting for what a test expects to happen, instead of sleeping a guessed while: a slow
machine takes longer, never fails for it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.event_bus import current_bus

# Long enough for a loaded CI machine; a test that passes never waits this long.
PATIENCE_SECONDS = 15.0
# After the expected events arrived, how long a test watches for any it did not expect.
QUIET_SECONDS = 0.2


async def until(check: Callable[[], bool], what: str, seconds: float = PATIENCE_SECONDS) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        await asyncio.sleep(0.01)


async def subscribed(before: int) -> None:
    """Until the process's bus has one more subscriber than `before`."""
    await until(lambda: current_bus().subscriber_count() > before, "the subscription")


async def waiting_on_a_lock(engine: AsyncEngine) -> int:
    """The pid of the api's backend that waits for a lock, once there is one."""
    query = text(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND application_name = 'studygraph-api' AND datname = current_database()"
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE_SECONDS
    while loop.time() < deadline:
        async with engine.connect() as conn:
            pid = await conn.scalar(query)
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.02)
    raise AssertionError("no request came to wait for the lock")
