"""What gamification tells live clients, published on Redis pub/sub after the commit that
made it true (a rollback publishes nothing)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import redis.asyncio as aioredis

from core.unit_of_work import UnitOfWork


def user_channel(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def encode(event: str, data: dict[str, Any]) -> bytes:
    return orjson.dumps({"event": event, "data": data}, default=str)


def announce(
    uow: UnitOfWork, redis: aioredis.Redis, channel: str, event: str, data: dict[str, Any]
) -> None:
    payload = encode(event, data)

    async def send() -> None:
        await redis.publish(channel, payload)

    uow.after_commit(send)
