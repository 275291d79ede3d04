"""The Redis client: the real server when REDIS_URL is set, fakeredis in-process otherwise.

Both speak the same redis-py asyncio API, so the code that talks to Redis is the same in
production and on the embedded default.
"""

from __future__ import annotations

from typing import Any

import fakeredis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError

from core.settings import Settings

# One in-process server per process, so every embedded client sees the same data.
_EMBEDDED_SERVER = fakeredis.FakeServer()


def create_redis(settings: Settings) -> aioredis.Redis:
    if settings.redis_url is None:
        client: Any = fakeredis.FakeAsyncRedis(server=_EMBEDDED_SERVER, decode_responses=True)
        return client
    return aioredis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=settings.redis_socket_timeout_seconds,
        socket_connect_timeout=settings.redis_socket_timeout_seconds,
        health_check_interval=30,
        # A connection left over from before a Redis restart fails once; a fresh one works.
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
        retry_on_error=[ConnectionError],
    )
