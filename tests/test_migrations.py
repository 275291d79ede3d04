"""M1: one head; upgrade and downgrade on SQLite and PostgreSQL; models match the migrations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from db.base import Base
from db.migrate import alembic_config, downgrade, upgrade
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, make_settings


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


async def _schema_state(url: str) -> tuple[list[object], set[str]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def inspect_sync(sync_conn: Connection) -> tuple[list[object], set[str]]:
                context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                diff = compare_metadata(context, Base.metadata)
                return diff, set(inspect(sync_conn).get_table_names())

            return await conn.run_sync(inspect_sync)
    finally:
        await engine.dispose()


def _round_trip(url: str) -> None:
    settings = make_settings(database_url=url)
    upgrade(settings)
    diff, tables = asyncio.run(_schema_state(url))
    assert diff == []
    assert tables == {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}

    downgrade(settings, "base")
    diff, tables = asyncio.run(_schema_state(url))
    assert tables == {"alembic_version"}

    upgrade(settings)
    diff, _ = asyncio.run(_schema_state(url))
    assert diff == []


def test_upgrade_downgrade_sqlite(tmp_path: Path) -> None:
    _round_trip(f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}")


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    """A database of its own, so migrating down does not disturb the shared test schema."""
    assert TEST_DATABASE_URL is not None
    name = f"studygraph_migrations_{uuid.uuid4().hex[:8]}"
    server = make_url(TEST_DATABASE_URL)

    async def run(statement: str) -> None:
        engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.mark.skipif(not ON_POSTGRES, reason="needs TEST_DATABASE_URL")
def test_upgrade_downgrade_postgres(scratch_postgres: str) -> None:
    _round_trip(scratch_postgres)
