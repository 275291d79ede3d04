"""L2 and L5: an award exists exactly once per source, however many completions race and
however often its event is delivered again; and the ledger stays in agreement with the
balances while database connections are killed under load."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import redis.asyncio as aioredis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import UserInputError
from core.ids import from_global_id
from db.base import utcnow
from db.models.points import PointBalance, PointEntry, Streak
from db.models.rewards import Redemption, RedemptionStatus, Reward, RewardTier
from resolvers import tasks
from resolvers.gamification import rewards
from resolvers.gamification.points import rebuild_balances
from tests.accounts import register, viewer_of
from tests.conftest import requires_postgres
from tests.focus_helpers import run_session
from tests.gamification_helpers import Factory, complete, new_users
from tests.study_api import create_task
from tests.test_leaderboards import viewer


async def ledger_of(session_factory: Factory, user_id: uuid.UUID) -> list[tuple[str, int]]:
    async with session_factory() as session:
        rows = await session.execute(
            select(PointEntry.source_kind, PointEntry.amount).where(PointEntry.user_id == user_id)
        )
        return [(kind, amount) for kind, amount in rows]


async def test_fifty_racing_completions_and_a_redelivery_award_once(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me = await register(client)
    user_id = from_global_id(me.id)[1]
    task_id = from_global_id(await create_task(client, me, difficulty="MEDIUM"))[1]

    outcomes = await asyncio.gather(
        *(tasks.complete_task(session_factory, viewer_of(me), task_id, 45) for _ in range(50)),
        return_exceptions=True,
    )
    assert sum(isinstance(o, tasks.Completion) for o in outcomes) == 1, outcomes
    assert {o.code for o in outcomes if isinstance(o, UserInputError)} == {"TASK_FINISHED"}
    # (10 + 5) x 1.5 x 1.01 = 22.725 -> 23
    assert await ledger_of(session_factory, user_id) == [("TASK", 23)]

    # The completion's event delivered again (a retried job, a replayed message).
    await complete(session_factory, user_id, utcnow(), minutes=45, task_id=task_id)

    assert await ledger_of(session_factory, user_id) == [("TASK", 23)]
    async with session_factory() as session:
        balance = await session.get(PointBalance, user_id)
    assert balance is not None
    assert (balance.balance, balance.total, balance.weekly) == (23, 23, 23)


@requires_postgres
async def test_invariants_hold_while_connections_are_killed(
    db: AsyncEngine, session_factory: Factory, redis: aioredis.Redis
) -> None:
    users = await new_users(session_factory, 4)
    day = datetime(2026, 11, 25, 12, tzinfo=UTC)
    for user_id in users:
        for _ in range(3):
            await complete(session_factory, user_id, day, minutes=240)  # 50 x 1.01 -> 51 each
    async with session_factory() as session:
        reward = Reward(name="Sticker", description="", cost=20, stock=25, tier=RewardTier.BRONZE)
        session.add(reward)
        await session.commit()
    stop = asyncio.Event()

    async def kill_connections() -> int:
        killed = 0
        while not stop.is_set():
            async with db.connect() as conn:
                result = await conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND state <> 'idle'"
                    )
                )
                killed += int(result.scalar() or 0)
            await asyncio.sleep(0.005)
        return killed

    failures: list[str] = []

    async def load(user_id: uuid.UUID, n: int) -> None:
        for i in range(n):
            try:
                if i % 2:
                    await complete(session_factory, user_id, day, minutes=30)
                else:
                    await rewards.redeem_reward(
                        session_factory, viewer(user_id), reward.id, f"k{i}"
                    )
            except Exception as failed:  # a killed connection fails its transaction
                failures.append(type(failed).__name__)

    killer = asyncio.create_task(kill_connections())
    await asyncio.gather(*(load(user_id, 30) for user_id in users))
    stop.set()
    killed = await killer
    assert killed > 0
    assert any(name != "UserInputError" for name in failures), failures

    async with session_factory() as session:
        sums = dict(
            (
                await session.execute(
                    select(PointEntry.user_id, func.sum(PointEntry.amount)).group_by(
                        PointEntry.user_id
                    )
                )
            ).all()
        )
        balances = {b.user_id: b for b in await session.scalars(select(PointBalance))}
        taken = await session.scalar(
            select(func.count())
            .select_from(Redemption)
            .where(Redemption.status == RedemptionStatus.PENDING)
        )
        stock = await session.scalar(select(Reward.stock).where(Reward.id == reward.id))
        spent = await session.scalar(select(func.coalesce(func.sum(Redemption.cost), 0)))
    for user_id in users:
        assert balances[user_id].balance == sums[user_id] >= 0
    assert stock is not None and stock >= 0
    assert stock + int(taken or 0) == 25
    assert int(spent or 0) == 20 * int(taken or 0)


async def test_balances_rebuilt_from_the_ledger(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    users = await new_users(session_factory, 3)
    monday, friday = datetime(2026, 11, 23, 9, tzinfo=UTC), datetime(2026, 11, 27, 9, tzinfo=UTC)
    last_week = datetime(2026, 11, 18, 9, tzinfo=UTC)
    await complete(session_factory, users[0], last_week, minutes=60)  # 20
    await complete(session_factory, users[0], monday, minutes=60)  # 20 x 1.01 -> 20
    await complete(session_factory, users[1], friday, minutes=120)  # 30 x 1.01 -> 30
    async with session_factory() as session:
        before = {b.user_id: _sums(b) for b in await session.scalars(select(PointBalance))}
        # Damage: a lost update, an invented one, and a user whose row is gone.
        rows = {b.user_id: b for b in await session.scalars(select(PointBalance))}
        rows[users[0]].balance, rows[users[0]].weekly = 5, 999
        rows[users[1]].total = 0
        await session.delete(rows[users[1]])
        await session.commit()

    rebuilt = await rebuild_balances(session_factory, now=friday)

    assert rebuilt == 2  # users[2] never had points
    async with session_factory() as session:
        after = {b.user_id: _sums(b) for b in await session.scalars(select(PointBalance))}
    assert (
        after
        == before
        == {
            users[0]: (40, 40, 20, 40),
            users[1]: (30, 30, 30, 30),
        }
    )
    # The cap of the day is read from the ledger again: the day's earlier award counts.
    async with session_factory() as session:
        row = await session.get(PointBalance, users[1])
        assert row is not None and (row.earned_day, row.earned_today) == (None, {})
    await complete(session_factory, users[1], friday, minutes=24 * 60)  # 250 x 1.01 -> 253
    async with session_factory() as session:
        row = await session.get(PointBalance, users[1])
        assert row is not None
        assert (row.earned_day, row.earned_today) == (date(2026, 11, 27), {"TASK": 30 + 253})


def _sums(balance: PointBalance) -> tuple[int, int, int, int]:
    return (balance.balance, balance.total, balance.weekly, balance.monthly)


async def test_a_new_users_simultaneous_activities_both_count(
    session_factory: Factory, redis: aioredis.Redis
) -> None:
    (user_id,) = await new_users(session_factory, 1)
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)

    # Both find no streak row yet; both must still commit (one waits for the other's row).
    await asyncio.gather(
        complete(session_factory, user_id, monday, minutes=30),
        complete(session_factory, user_id, monday + timedelta(minutes=1), minutes=60),
    )

    async with session_factory() as session:
        streak = await session.get(Streak, user_id)
        amounts = sorted(
            await session.scalars(select(PointEntry.amount).where(PointEntry.user_id == user_id))
        )
        balance = await session.get(PointBalance, user_id)
    assert amounts == [15, 20]  # 15 x 1.01 and 20 x 1.01, rounded
    assert streak is not None
    assert (streak.current, streak.longest, streak.active_days) == (1, 1, 1)
    assert balance is not None and balance.balance == 35


async def test_focused_minutes_are_not_paid_twice(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me = await register(client)
    task_id = from_global_id(await create_task(client, me, estimatedMinutes=90))[1]
    start = datetime.now(UTC) - timedelta(hours=2)
    await run_session(session_factory, viewer_of(me), start, end_after=60, task_id=task_id)

    await tasks.complete_task(session_factory, viewer_of(me), task_id, None)

    async with session_factory() as session:
        rows = await session.execute(
            select(PointEntry.source_kind, PointEntry.amount, PointEntry.inputs)
            .where(PointEntry.user_id == from_global_id(me.id)[1])
            .order_by(PointEntry.id)
        )
        awards = [(kind, amount, inputs["minutes"]) for kind, amount, inputs in rows]
    # (10 + 10) x 1.5 x 1.01 = 30.3 for the hour of focus; the task took that same hour
    # (its minutes come from the session), so it earns the base alone: 10 x 1.5 x 1.01.
    assert awards == [("FOCUS_SESSION", 30, 60), ("TASK", 15, 0)]
