"""A graphql-transport-ws client over a real socket, as mobile and web clients speak it."""

from __future__ import annotations

import asyncio
import itertools
from types import TracebackType
from typing import Any, Self

import orjson
from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"


class Subscriber:
    def __init__(self, url: str, token: str):
        self._url = url.replace("http://", "ws://") + "/graphql"
        self._token = token
        self._ids = itertools.count(1)
        self.socket: ClientConnection | None = None

    async def __aenter__(self) -> Self:
        self.socket = await connect(self._url, subprotocols=[PROTOCOL])  # type: ignore[list-item]
        await self.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {self._token}"}}
        )
        ack = await self.receive()
        assert ack == {"type": "connection_ack"}, ack
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def send(self, message: dict[str, Any]) -> None:
        assert self.socket is not None
        await self.socket.send(orjson.dumps(message).decode())

    async def receive(self, wait: float = 10.0) -> dict[str, Any]:
        assert self.socket is not None
        raw = await asyncio.wait_for(self.socket.recv(), wait)
        message = orjson.loads(raw)
        if message.get("type") == "ping":
            await self.send({"type": "pong"})
            return await self.receive(wait)
        return dict(message)

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        op_id = str(next(self._ids))
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        await self.send({"type": "subscribe", "id": op_id, "payload": payload})
        return op_id

    async def next_data(self, op_id: str, wait: float = 10.0) -> dict[str, Any]:
        """The next result of the operation (other operations' messages are not expected)."""
        message = await self.receive(wait)
        assert message.get("id") == op_id and message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]
        return dict(message["payload"]["data"])

    async def nothing_within(self, seconds: float) -> bool:
        try:
            message = await self.receive(seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected message {message}")
