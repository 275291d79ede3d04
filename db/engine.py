"""Async engines and session factories for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

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
    return create_async_engine(
        settings.database_url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_recycle=1800,
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


def _sqlite_engine(settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        settings.database_url,
        connect_args={"timeout": settings.db_lock_timeout_ms / 1000},
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
