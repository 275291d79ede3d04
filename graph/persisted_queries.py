"""Automatic persisted queries in Apollo's wire format, the documents kept in Redis so every
api instance knows a hash any of them has learnt.

A client sends `extensions.persistedQuery {version: 1, sha256Hash}` without the query; an
unknown hash gets PERSISTED_QUERY_NOT_FOUND (message `PersistedQueryNotFound`, which
Apollo's clients look for), and the client sends the query with its hash once, which stores
it. A stored document lives `persisted_query_ttl_seconds` after its last use. Only a query
within the length limit is stored, and only under its own hash.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis

from core.outages import outage_code
from graph.errors import OUTAGE_MESSAGES

VERSION = 1
_KEY_PREFIX = "apq:"
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class PersistedQueryRejected(Exception):
    """The persisted-query extension cannot be honoured; `status` is the HTTP status when
    the answer is not a GraphQL request error (too large, Redis unreachable)."""

    def __init__(self, message: str, code: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    @property
    def retryable(self) -> bool:
        return self.status == 503

    def formatted(self) -> dict[str, Any]:
        """As a GraphQL error, for a transport that speaks in those (WebSocket)."""
        extensions: dict[str, Any] = {"code": self.code}
        if self.retryable:
            extensions["retryable"] = True
        return {"message": self.message, "extensions": extensions}


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class PersistedQueries:
    def __init__(self, redis: Callable[[], aioredis.Redis], ttl_seconds: int, max_chars: int):
        self._redis = redis
        self.ttl_seconds = ttl_seconds
        self.max_chars = max_chars

    async def query_for(self, query: object, extension: object) -> str:
        """The document to run for a request carrying `extension` (and maybe `query`)."""
        if not isinstance(extension, dict) or extension.get("version") != VERSION:
            raise PersistedQueryRejected(
                "Unsupported persisted query version", "PERSISTED_QUERY_NOT_SUPPORTED"
            )
        digest = extension.get("sha256Hash")
        if not isinstance(digest, str) or not _HEX_SHA256.fullmatch(digest):
            raise PersistedQueryRejected(
                "`sha256Hash` must be the query's SHA-256 in hex", "BAD_REQUEST"
            )
        digest = digest.lower()
        if query is None:
            found = await self._call(lambda r: r.getex(_KEY_PREFIX + digest, ex=self.ttl_seconds))
            if found is None:
                raise PersistedQueryRejected("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            return str(found)
        if not isinstance(query, str):
            raise PersistedQueryRejected("The request must carry a `query` string", "BAD_REQUEST")
        if len(query) > self.max_chars:
            raise PersistedQueryRejected(
                f"The query exceeds {self.max_chars} characters", "QUERY_TOO_LARGE", 413
            )
        if sha256_hex(query) != digest:
            raise PersistedQueryRejected(
                "provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH"
            )
        await self._call(lambda r: r.set(_KEY_PREFIX + digest, query, ex=self.ttl_seconds))
        return query

    async def _call(self, command: Callable[[aioredis.Redis], Any]) -> Any:
        try:
            return await command(self._redis())
        except Exception as exc:
            outage = outage_code(exc)
            if outage is None:
                raise
            raise PersistedQueryRejected(OUTAGE_MESSAGES[outage], outage, 503) from exc
