"""Commands of concurrent callers sent to Redis together, one pipeline per round trip.

Every commit that touches Redis (a leaderboard's scores, the events it publishes) would
otherwise pay a pipeline of its own: under load the client's own work per round trip costs
more than the commands. Callers hand their commands to a batcher instead; one sender sends
what is waiting, and what arrives while that pipeline is in flight goes in the next one, as
a database groups the commits that queue behind a disk flush. Alone, a caller's commands
leave at once; each caller's commands stay in order and run before any later caller's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import redis.asyncio as aioredis

# Adds commands to a Redis pipeline: a write that goes out with a transaction's events.
RedisWrite = Callable[[Any], None]

_Waiting = tuple[Sequence[RedisWrite], asyncio.Future[None]]


class PipelineBatcher:
    """Sends the commands of concurrent `send` calls on one client, batched. Its callers
    share one event loop."""

    def __init__(self, client: aioredis.Redis):
        self._client = client
        self._waiting: list[_Waiting] = []
        self._sender: asyncio.Task[None] | None = None
        self.round_trips = 0

    async def send(self, writes: Sequence[RedisWrite]) -> None:
        """Sends the commands `writes` add to a pipeline; returns when Redis has answered
        them. Raises the error of one of them, or the connection's. A caller cancelled
        meanwhile does not take its commands back: they may already be on their way."""
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[None] = loop.create_future()
        self._waiting.append((writes, answered))
        if self._sender is None:
            self._sender = loop.create_task(self._send_waiting(), name="redis-batcher")
        await answered

    async def _send_waiting(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._send(batch)
                batch = []
        except BaseException as exc:
            # Cancelled (the loop is closing): nobody waits for commands that never left.
            for _, answered in batch + self._waiting:
                _fail(answered, exc)
            self._waiting = []
            raise
        finally:
            self._sender = None

    async def _send(self, batch: list[_Waiting]) -> None:
        spans: list[tuple[int, int]] = []
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for writes, answered in batch:
                    start = len(pipe.command_stack)
                    try:
                        for write in writes:
                            write(pipe)
                    except Exception as exc:  # a faulty write fails its own caller only
                        del pipe.command_stack[start:]
                        _fail(answered, exc)
                    spans.append((start, len(pipe.command_stack)))
                self.round_trips += 1
                replies = await pipe.execute(raise_on_error=False)
        except Exception as exc:
            for _, answered in batch:
                _fail(answered, exc)
            return
        for (_, answered), (start, end) in zip(batch, spans, strict=True):
            if answered.done():  # its caller left, or its write failed
                continue
            error = next((r for r in replies[start:end] if isinstance(r, Exception)), None)
            if error is None:
                answered.set_result(None)
            else:
                answered.set_exception(error)


def _fail(answered: asyncio.Future[None], exc: BaseException) -> None:
    if answered.done():
        return
    if isinstance(exc, asyncio.CancelledError):
        answered.cancel()
    else:
        answered.set_exception(exc)
