"""The Redis client gamification writes leaderboards and notices to, installed by the
process that serves requests (the domain-event handlers receive only the unit of work)."""

from __future__ import annotations

import redis.asyncio as aioredis

_redis: aioredis.Redis | None = None


def use_redis(redis: aioredis.Redis | None) -> None:
    global _redis
    _redis = redis


def live_redis() -> aioredis.Redis:
    if _redis is None:
        raise RuntimeError("gamification needs a Redis client: start it with `installed()`")
    return _redis
