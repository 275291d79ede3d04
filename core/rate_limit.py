"""Fixed-window counters in Redis (fakeredis on the embedded default)."""

from __future__ import annotations

import redis.asyncio as aioredis


class RateLimiter:
    def __init__(self, redis: aioredis.Redis, prefix: str = "rl"):
        self.redis = redis
        self.prefix = prefix

    def _key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    async def hit(self, name: str, window_seconds: int) -> int:
        """Counts one event in the current window and returns the count so far."""
        key = self._key(name)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def count(self, name: str) -> int:
        value = await self.redis.get(self._key(name))
        return int(value) if value else 0

    async def reset(self, name: str) -> None:
        await self.redis.delete(self._key(name))
