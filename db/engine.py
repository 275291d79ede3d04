"""Async engines and session factories for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

from types import MethodType
from typing import Any, Literal

import orjson
from sqlalchemy import event
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_only

from core.settings import Settings

Role = Literal["api", "worker"]


def create_engine(settings: Settings, role: Role = "api") -> AsyncEngine:
    """An engine with the pool and timeout defaults of HARDENING.md for the given process role."""
    if settings.is_sqlite:
        return _sqlite_engine(settings)
    statement_timeout = (
        settings.db_statement_timeout_ms
        if role == "api"
        else settings.db_worker_statement_timeout_ms
    )
    engine = create_async_engine(
        settings.database_url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_recycle=1800,
        json_serializer=json_text,
        json_deserializer=orjson.loads,
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            # asyncpg's own cap, a little above the server's, for a stalled network.
            "command_timeout": statement_timeout / 1000 + 5,
            "server_settings": {
                "statement_timeout": str(statement_timeout),
                "lock_timeout": str(settings.db_lock_timeout_ms),
                "idle_in_transaction_session_timeout": str(max(statement_timeout * 2, 60_000)),
                "application_name": f"studygraph-{role}",
            },
        },
    )
    _ping_in_the_transaction(engine)
    return engine


def json_text(value: Any) -> str:
    """JSON columns written by orjson: several times faster than the standard library's
    encoder on the ledger's hot path. Keys that are not plain strings (enum members, as the
    daily caps are counted by) are written as text, as the standard library does."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _ping_in_the_transaction(engine: AsyncEngine) -> None:
    """The pre-ping opens the transaction the session then runs in: one round trip.

    asyncpg's adapter pings in a transaction of its own, BEGIN, `;`, ROLLBACK (for
    pgbouncer's transaction pooling, which we do not sit behind), and the session's first
    statement then sends another BEGIN: four round trips before it. A BEGIN alone reaches
    the server as any ping does, so a dead connection fails it just the same and the pool
    replaces the connection before handing it out; the adapter then finds its transaction
    begun and the first statement goes out at once. (A connection already in a transaction,
    or in autocommit, is pinged with a SELECT 1 through a cursor.)"""
    dialect = engine.sync_engine.dialect

    def do_ping(self: DefaultDialect, dbapi_connection: Any) -> bool:
        if dbapi_connection._transaction is None and not dbapi_connection.autocommit:
            await_only(dbapi_connection._start_transaction())
            return True
        return DefaultDialect.do_ping(self, dbapi_connection)

    dialect.do_ping = MethodType(do_ping, dialect)  # type: ignore[method-assign]


def _sqlite_engine(settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        settings.database_url,
        connect_args={"timeout": settings.db_lock_timeout_ms / 1000},
        json_serializer=json_text,
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor: Any = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers proceed while a writer commits; NORMAL is durable in WAL mode.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={settings.db_lock_timeout_ms}")
        cursor.close()

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay readable after commit, so resolvers can map them without a reload.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
