"""The unit of work, the repository base and keyset pagination, on the database under test."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from core.errors import UserInputError
from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.engine import create_engine, create_session_factory
from db.models.users import User
from db.repositories.users import UserRepository
from tests import factories
from tests.conftest import requires_postgres


async def count_users(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def test_commit_then_side_effects(session_factory: async_sessionmaker[AsyncSession]) -> None:
    sent: list[str] = []

    async def effect() -> None:
        sent.append("after")

    async with UnitOfWork(session_factory) as uow:
        UserRepository(uow.session).add(factories.user())
        uow.after_commit(effect)
        assert sent == []
        await uow.commit()
    assert sent == ["after"]
    assert await count_users(session_factory) == 1


async def test_rollback_sends_nothing(session_factory: async_sessionmaker[AsyncSession]) -> None:
    sent: list[str] = []

    async def effect() -> None:
        sent.append("after")

    with pytest.raises(RuntimeError, match="boom"):
        async with UnitOfWork(session_factory) as uow:
            UserRepository(uow.session).add(factories.user())
            uow.after_commit(effect)
            raise RuntimeError("boom")
    assert sent == []
    assert await count_users(session_factory) == 0


async def test_leaving_without_commit_rolls_back(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with UnitOfWork(session_factory) as uow:
        UserRepository(uow.session).add(factories.user())
        await uow.session.flush()
    assert await count_users(session_factory) == 0


async def test_failed_side_effect_keeps_the_commit(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def broken() -> None:
        raise ConnectionError("broker down")

    async with UnitOfWork(session_factory) as uow:
        UserRepository(uow.session).add(factories.user())
        uow.after_commit(broken)
        await uow.commit()
    assert await count_users(session_factory) == 1


async def test_a_unit_knows_whether_it_used_the_database(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """What a job's work did decides where its SUCCEEDED is written (`complete_job`)."""

    async def effect() -> None:
        pass

    async def step() -> None:
        pass

    async with UnitOfWork(session_factory) as uow:
        uow.after_commit(effect)  # a side effect after the commit is not a database write
        assert not uow.used_database
        await uow.commit()
        assert not uow.used_database
    async with UnitOfWork(session_factory) as uow:
        await uow.session.execute(text("SELECT 1"))
        assert uow.used_database
    async with UnitOfWork(session_factory) as uow:
        UserRepository(uow.session).add(factories.user())
        assert uow.used_database
    async with UnitOfWork(session_factory) as uow:
        uow.before_commit(step)
        assert uow.used_database


async def test_unique_email_is_enforced(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        session.add(factories.user(email="same@example.org"))
        await session.commit()
    with pytest.raises(IntegrityError):
        async with session_factory() as session:
            session.add(factories.user(email="same@example.org"))
            await session.commit()


async def test_entities_get_time_ordered_ids_and_utc_timestamps(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        first, second = factories.user(), factories.user()
        session.add_all([first, second])
        await session.commit()
    async with session_factory() as session:
        loaded = await UserRepository(session).get_many([first.id, second.id])
    assert first.id.version == 7
    assert first.id < second.id
    assert loaded[first.id].created_at.tzinfo == UTC
    assert abs((loaded[first.id].created_at - datetime.now(UTC)).total_seconds()) < 60


async def test_keyset_pagination_walks_every_row_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        users = [factories.user() for _ in range(5)]
        session.add_all(users)
        await session.commit()
    expected = sorted(u.id for u in users)

    seen: list[uuid.UUID] = []
    after: str | None = None
    pages = []
    async with session_factory() as session:
        repo = UserRepository(session)
        while True:
            page = await repo.paginate(select(User), first=2, after=after, order_by=[User.id])
            pages.append((len(page.items), page.has_next_page, page.has_previous_page))
            seen.extend(u.id for u in page.items)
            if not page.has_next_page:
                break
            after = page.cursors[-1]
    assert seen == expected
    assert pages == [(2, True, False), (2, True, True), (1, False, True)]


async def test_pagination_by_timestamp_then_id(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    async with session_factory() as session:
        users = [factories.user(created_at=stamp) for _ in range(3)]
        session.add_all(users)
        await session.commit()
    order = [User.created_at, User.id]
    async with session_factory() as session:
        repo = UserRepository(session)
        first = await repo.paginate(select(User), first=2, after=None, order_by=order)
        rest = await repo.paginate(select(User), first=2, after=first.cursors[-1], order_by=order)
    assert [u.id for u in first.items + rest.items] == sorted(u.id for u in users)


async def test_foreign_cursor_is_refused(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        repo = UserRepository(session)
        for cursor in ("%%%", "WyJ4Il0", "bm90IGpzb24"):
            with pytest.raises(UserInputError) as refused:
                await repo.paginate(select(User), first=2, after=cursor, order_by=[User.id])
            assert refused.value.code == "INVALID_CURSOR"


@requires_postgres
async def test_a_connection_killed_in_the_pool_is_replaced_before_use(settings: Settings) -> None:
    """The pre-ping finds a connection PostgreSQL dropped while it sat in the pool (a
    restart, an idle timeout) and the pool hands out a fresh one: nothing fails."""
    engine = create_engine(settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0}))
    factory = create_session_factory(engine)
    try:
        async with UnitOfWork(factory) as uow:
            first = await uow.session.scalar(text("SELECT pg_backend_pid()"))
        admin = create_async_engine(settings.database_url, poolclass=NullPool)
        async with admin.connect() as conn:
            killed = await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await admin.dispose()
        assert killed is True
        async with UnitOfWork(factory) as uow:
            second = await uow.session.scalar(text("SELECT pg_backend_pid()"))
            await uow.session.execute(text("SELECT 1"))
            await uow.commit()
        assert second != first
    finally:
        await engine.dispose()


@requires_postgres
async def test_a_unit_of_work_sends_begin_then_its_statements(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-ping is the transaction's BEGIN: a pooled connection's unit of work sends
    BEGIN, its statement and COMMIT, with no ping of its own or second BEGIN between."""
    engine = create_engine(settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0}))
    factory = create_session_factory(engine)
    sent: list[str] = []  # simple-protocol queries: BEGIN, COMMIT, a `;` ping
    cursors: list[str] = []  # prepared statements go out through a cursor each
    opened = AsyncAdapt_asyncpg_connection.cursor

    def cursor(self: AsyncAdapt_asyncpg_connection, *args: Any, **kwargs: Any) -> Any:
        cursors.append("cursor")
        return opened(self, *args, **kwargs)

    try:
        async with UnitOfWork(factory) as uow:
            connection = await uow.session.connection()
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            driver.add_query_logger(lambda query: sent.append(query.query))
            await uow.commit()
        monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "cursor", cursor)
        sent.clear()
        async with UnitOfWork(factory) as uow:
            pid = await uow.session.scalar(text("SELECT pg_backend_pid()"))
            await uow.commit()
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
        assert [query.strip().rstrip(";") for query in sent] == ["BEGIN", "COMMIT"]
        assert cursors == ["cursor"]
        assert isinstance(pid, int)
    finally:
        await engine.dispose()
