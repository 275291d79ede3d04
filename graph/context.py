"""The typed context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.websockets import WebSocket

from core.settings import Settings
from graph.loaders import Loaders


@dataclass
class Context:
    request: Request | WebSocket
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    redis: aioredis.Redis
    request_id: str
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.session_factory)
