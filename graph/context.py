"""The typed context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.websockets import WebSocket

from core.settings import Settings
from graph.live import LiveConnections
from graph.loaders import Loaders
from resolvers.access import Viewer
from resolvers.auth import AuthService


@dataclass
class Context:
    request: Request | WebSocket
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    redis: aioredis.Redis
    auth: AuthService
    request_id: str
    viewer: Viewer | None = None
    # This instance's open sockets (WebSocket only), to close one whose subscriber lags.
    live: LiveConnections | None = None
    # graphql-transport-ws: the payload of `connection_init` (Strawberry fills it in).
    connection_params: dict[str, Any] | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.session_factory)

    @property
    def client_ip(self) -> str:
        client = self.request.client
        return client.host if client else "unknown"
