"""Open WebSocket connections by user, so ended sessions end their sockets at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import redis.asyncio as aioredis
from starlette.websockets import WebSocket, WebSocketDisconnect

from resolvers.auth import REVOCATION_CHANNEL

log = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
# "Try again later": the client may reconnect and catch up with `after:`.
CLOSE_TOO_SLOW = 1013
RECONNECT_BACKOFF_SECONDS = (0.1, 0.5, 1, 2, 5)
POLL_SECONDS = 0.5


class LiveConnections:
    def __init__(self) -> None:
        self._by_user: dict[uuid.UUID, set[WebSocket]] = {}
        self._owner: dict[WebSocket, uuid.UUID] = {}
        self._timers: dict[WebSocket, asyncio.TimerHandle] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._owner)

    def add(self, user_id: uuid.UUID, websocket: WebSocket, expires_at: datetime) -> None:
        """Tracks a signed-in socket and closes it with 4403 when its access token expires."""
        self._by_user.setdefault(user_id, set()).add(websocket)
        self._owner[websocket] = user_id
        delay = max(0.0, (expires_at - datetime.now(UTC)).total_seconds())
        loop = asyncio.get_running_loop()
        self._timers[websocket] = loop.call_later(
            delay, lambda: loop.create_task(self.close(websocket, "Token expired"))
        )

    def remove(self, websocket: WebSocket) -> None:
        timer = self._timers.pop(websocket, None)
        if timer is not None:
            timer.cancel()
        user_id = self._owner.pop(websocket, None)
        if user_id is not None:
            sockets = self._by_user.get(user_id, set())
            sockets.discard(websocket)
            if not sockets:
                self._by_user.pop(user_id, None)

    async def close(self, websocket: WebSocket, reason: str, code: int = CLOSE_FORBIDDEN) -> None:
        self.remove(websocket)
        # Already closed by the client, or gone while the close waited for the socket.
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await websocket.close(code=code, reason=reason)

    def closer(
        self, websocket: WebSocket, operation: asyncio.Task[object] | None
    ) -> Callable[[], None]:
        """What the bus calls when this socket's subscriber fell too far behind: the
        close frame follows what the socket still has to send. A peer that reads nothing
        at all is cut off by the server's keep-alive ping timeout instead."""
        loop = asyncio.get_running_loop()

        def close() -> None:
            # The operation is stuck sending to the socket: it ends here, quietly, rather
            # than failing once the socket is closed under it.
            if operation is not None and not operation.done():
                operation.cancel()
            task = loop.create_task(self.close(websocket, "Too slow to keep up", CLOSE_TOO_SLOW))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

        return close

    async def close_user(self, user_id: uuid.UUID, reason: str) -> int:
        sockets = list(self._by_user.get(user_id, ()))
        for websocket in sockets:
            await self.close(websocket, reason)
        return len(sockets)


async def follow_revocations(
    redis: aioredis.Redis, live: LiveConnections, stop: asyncio.Event
) -> None:
    """Closes this instance's sockets of every user whose sessions were ended anywhere.

    Polls with a short timeout rather than blocking in `listen()`: a blocked read does not
    always give way to cancellation, and shutdown must never hang.
    """
    attempt = 0
    while not stop.is_set():
        try:
            async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(REVOCATION_CHANNEL)
                attempt = 0
                while not stop.is_set():
                    message = await pubsub.get_message(timeout=POLL_SECONDS)
                    if message is not None and message.get("type") == "message":
                        await live.close_user(uuid.UUID(str(message["data"])), "Session ended")
        except Exception as exc:
            delay = RECONNECT_BACKOFF_SECONDS[min(attempt, len(RECONNECT_BACKOFF_SECONDS) - 1)]
            attempt += 1
            log.warning("revocation listener lost Redis (%s); retrying in %ss", exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
