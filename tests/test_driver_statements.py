"""Statements sent on asyncpg itself belong to the unit of work's transaction: they commit
with it, vanish with its rollback, and hold their locks until it ends, on a connection fresh
from connect as on one the pool hands out again."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.engine import create_engine, create_session_factory
from db.models.events import ChannelEvent
from db.models.points import PointBalance
from db.repositories.events import ChannelEventRepository
from db.repositories.points import PointRepository
from tests.conftest import requires_postgres
from tests.gamification_helpers import new_users
from tests.waiting import waiting_on_a_lock

pytestmark = requires_postgres
WEEK, MONTH = date(2026, 11, 30), date(2026, 11, 1)
AT = datetime(2026, 11, 30, 9, tzinfo=UTC)
Factory = async_sessionmaker[AsyncSession]


async def balances(factory: Factory) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count()).select_from(PointBalance)) or 0)


async def events(factory: Factory) -> list[tuple[str, int, str]]:
    async with factory() as session:
        rows = await session.execute(
            select(ChannelEvent.channel, ChannelEvent.seq, ChannelEvent.event).order_by(
                ChannelEvent.seq
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_driver_statements_commit_and_roll_back_with_the_unit_of_work(
    session_factory: Factory,
) -> None:
    [user] = await new_users(session_factory, 1)
    async with UnitOfWork(session_factory) as uow:
        locked = await PointRepository(uow.session).lock_balance(user, WEEK, MONTH)
        await ChannelEventRepository(uow.session).append("user:x", [("a", {"n": 1})], AT)
        # Left without committing: both writes are rolled back.
    assert (locked.user_id, locked.total, locked.earned_today) == (user, 0, {})
    assert await balances(session_factory) == 0
    assert await events(session_factory) == []

    async with UnitOfWork(session_factory) as uow:
        await PointRepository(uow.session).lock_balance(user, WEEK, MONTH)
        numbers = await ChannelEventRepository(uow.session).append(
            "user:x", [("a", {"n": 1}), ("b", {"n": 2})], AT
        )
        await uow.commit()
    assert numbers == [1, 2]
    assert await balances(session_factory) == 1
    assert await events(session_factory) == [("user:x", 1, "a"), ("user:x", 2, "b")]


async def test_a_session_used_again_after_its_commit_runs_in_its_new_transaction(
    session_factory: Factory,
) -> None:
    """The driver connection kept for a transaction is not used for the next one: by then
    it is back in the pool, outside any transaction."""
    async with session_factory() as session:
        events_of = ChannelEventRepository(session)
        assert await events_of.append("user:x", [("kept", {})], AT) == [1]
        await session.commit()
        assert await events_of.append("user:x", [("dropped", {})], AT) == [2]
        await session.rollback()
        assert await events_of.append("user:x", [("kept too", {})], AT) == [2]
        await session.commit()
    assert await events(session_factory) == [("user:x", 1, "kept"), ("user:x", 2, "kept too")]


async def test_a_new_connection_begins_its_transaction_before_a_driver_statement(
    settings: Settings, session_factory: Factory
) -> None:
    """A connection fresh from connect is not pinged, so nothing has begun its transaction:
    a driver statement run first on it must still be undone by the rollback."""
    [user] = await new_users(session_factory, 1)
    engine = create_engine(settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0}))
    factory = create_session_factory(engine)
    try:
        for _ in ("new connection", "connection from the pool"):
            async with UnitOfWork(factory) as uow:
                await PointRepository(uow.session).lock_balance(user, WEEK, MONTH)
            assert await balances(session_factory) == 0
    finally:
        await engine.dispose()


async def test_a_driver_statements_lock_is_held_until_the_commit(
    session_factory: Factory, db: AsyncEngine
) -> None:
    [user] = await new_users(session_factory, 1)
    order: list[str] = []
    first_locked = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with UnitOfWork(session_factory) as uow:
            await PointRepository(uow.session).lock_balance(user, WEEK, MONTH)
            first_locked.set()
            await release.wait()
            order.append("first commits")
            await uow.commit()

    async def second() -> None:
        await first_locked.wait()
        async with UnitOfWork(session_factory) as uow:
            await PointRepository(uow.session).lock_balance(user, WEEK, MONTH)
            order.append("second locked")
            await uow.commit()

    waiting = asyncio.create_task(second())
    holding = asyncio.create_task(first())
    await first_locked.wait()
    await waiting_on_a_lock(db)  # the second asks for the lock and is made to wait
    assert order == []
    release.set()
    await asyncio.gather(holding, waiting)
    assert order == ["first commits", "second locked"]
