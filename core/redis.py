"""The Redis client: the real server when REDIS_URL is set, fakeredis in-process otherwise.

Both speak the same redis-py asyncio API, so the code that talks to Redis is the same in
production and on the embedded default.
"""

from __future__ import annotations

from typing import Any

import fakeredis
import redis
import redis.asyncio as aioredis
import redis.asyncio.retry
import redis.retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError

from core.settings import Settings

# One in-process server per process, so every embedded client sees the same data.
_EMBEDDED_SERVER = fakeredis.FakeServer()

# A connection left over from before a Redis restart fails once; a fresh one works.
_BACKOFF = ExponentialBackoff(cap=0.5, base=0.05)


def create_redis(settings: Settings) -> aioredis.Redis:
    if settings.redis_url is None:
        client: Any = fakeredis.FakeAsyncRedis(server=_EMBEDDED_SERVER, decode_responses=True)
        return client
    return aioredis.from_url(
        settings.redis_url,
        decode_responses=True,
        retry=redis.asyncio.retry.Retry(_BACKOFF, retries=2),
        **_connection_options(settings),
    )


def create_broker_redis(settings: Settings) -> redis.Redis:
    """The blocking client Dramatiq's broker sends and fetches messages with (binary, as
    it stores them): a stalled Redis fails a send within the socket timeout instead of
    holding the job messages of the whole process behind it."""
    if settings.redis_url is None:
        raise ValueError("the Redis broker needs REDIS_URL")
    return redis.Redis.from_url(
        settings.redis_url,
        retry=redis.retry.Retry(_BACKOFF, retries=2),
        **_connection_options(settings),
    )


def _connection_options(settings: Settings) -> dict[str, Any]:
    return {
        "socket_timeout": settings.redis_socket_timeout_seconds,
        "socket_connect_timeout": settings.redis_socket_timeout_seconds,
        "health_check_interval": 30,
        "retry_on_error": [ConnectionError],
    }
