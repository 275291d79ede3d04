"""Shared fixtures: one migrated database per run, a fresh set of rows per test.

The suite runs on the embedded default (a temporary SQLite file, fakeredis) anywhere, and
against the real PostgreSQL and Redis when TEST_DATABASE_URL / TEST_REDIS_URL are set.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.applications import Starlette

from core.redis import create_redis
from core.settings import Settings
from db.base import Base
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from graph.app import Companion, create_app

# Fixtures of the focus tests (`account`, `other`, `viewer`) and gamification (`redis`).
pytest_plugins = ["tests.focus_helpers", "tests.gamification_helpers"]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
ON_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))

requires_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs TEST_DATABASE_URL")
requires_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `no_servers` (the planner's, pure rules) give the same outcome on any
    database: against the real servers they would only repeat the embedded run, so they
    are deselected there."""
    if not (TEST_DATABASE_URL or TEST_REDIS_URL):
        return
    repeats = [item for item in items if item.get_closest_marker("no_servers")]
    if repeats:
        config.hook.pytest_deselected(items=repeats)
        items[:] = [item for item in items if not item.get_closest_marker("no_servers")]


def make_settings(**overrides: object) -> Settings:
    # argon2id at its cheapest: the cost parameters are the production ones' business,
    # the tests exercise everything else.
    values: dict[str, object] = {
        "env": "test",
        "log_json": True,
        "password_time_cost": 1,
        "password_memory_kib": 1024,
        "password_parallelism": 1,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    except OSError as exc:
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", returncode=1)
    finally:
        await engine.dispose()


async def _reset_redis(settings: Settings) -> None:
    redis = create_redis(settings)
    try:
        await redis.flushdb()
    except OSError as exc:
        pytest.exit(f"TEST_REDIS_URL is set but Redis is unreachable: {exc}", returncode=1)
    finally:
        await redis.aclose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the database and Redis under test, migrated to head once per run."""
    if TEST_DATABASE_URL:
        database_url = TEST_DATABASE_URL
        if ON_POSTGRES:
            asyncio.run(_reset_postgres(database_url))
    else:
        database_url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    result = make_settings(database_url=database_url, redis_url=TEST_REDIS_URL)
    upgrade(result)
    asyncio.run(_reset_redis(result))
    return result


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db(engine: AsyncEngine, settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The engine under test; the test's rows and Redis keys are deleted afterwards."""
    yield engine
    await _reset_redis(settings)
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def session_factory(db: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(db)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette, db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine executes while the test runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


@pytest.fixture
def project_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parent.parent


@asynccontextmanager
async def serve_app(
    settings: Settings, companions: Sequence[Companion] = ()
) -> AsyncIterator[httpx.AsyncClient]:
    """A separately configured app (production switches, a dead database, an in-process
    worker...) and its client."""
    application = create_app(settings, companions)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
