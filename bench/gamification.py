"""Awards per second and leaderboard reads with the caller's rank, with 100 000 users
holding points, beside a plain SQL rank query on the same data, run side by side.

    python -m bench.gamification [--users 100000] [--awards 3000] [--concurrency 16]
                                 [--reads 2000] [--rounds 3]

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default the database `bench_gamification`,
created when missing) and BENCH_REDIS_URL (default redis://127.0.0.1:6379/14, emptied).
The service functions run as in an api process, on uvloop with its GC settings. An award
is the service function `award_points`: the ledger row, the balances and every affected
leaderboard updated, committed to PostgreSQL, its live events logged and published. Each
goes to a different user, none of whom has earned anything yet that day, so every award
pays in full (none is cut to nothing by the daily cap). A read is the service function
`leaderboard` (a weekly page of 10 and the caller's rank with neighbours); the baseline is
`ORDER BY weekly DESC LIMIT 10` + `COUNT(*)` of those ahead of the caller on the same table.
Targets: >= 1000 awards/s; rank reads >= 20x faster than the SQL baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
import uvloop
from sqlalchemy import and_, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.goals_seed import ensure_database
from core.event_bus import EventBus, use_bus
from core.gc_tuning import tune_for_serving
from core.ids import new_id
from core.redis import create_redis
from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from db.models.goals import Difficulty
from db.models.points import PointBalance, SourceKind
from db.models.users import Role, User
from db.repositories.points import PointRepository
from resolvers.access import Viewer
from resolvers.gamification.leaderboards import (
    LeaderboardPeriod,
    LeaderboardScope,
    ensure_built,
    leaderboard,
)
from resolvers.gamification.points import AwardRequest, award_points
from resolvers.gamification.rules import month_start, week_start

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_gamification"
EMAIL_DOMAIN = "gamification.bench"
SEED = 20_261_122
ROWS_PER_INSERT = 5_000
WARM_UP = 200

Factory = async_sessionmaker[AsyncSession]


async def seed(factory: Factory, users: int) -> list[uuid.UUID]:
    """`users` users with points this week, month and ever; reused when already there."""
    async with factory() as session:
        ids = list(
            await session.scalars(
                select(User.id).where(User.email.endswith(f"@{EMAIL_DOMAIN}")).order_by(User.id)
            )
        )
    today = datetime.now(UTC).date()
    week, month = week_start(today), month_start(today)
    if len(ids) == users:
        async with factory() as session:
            current = await session.scalar(
                select(func.count())
                .select_from(PointBalance)
                .where(PointBalance.week_start == week)
            )
        if current == users:
            return ids
    rng = random.Random(SEED)
    async with factory() as session:
        await session.execute(text("TRUNCATE users CASCADE"))
        now = datetime.now(UTC)
        ids = [new_id() for _ in range(users)]
        for start in range(0, users, ROWS_PER_INSERT):
            chunk = ids[start : start + ROWS_PER_INSERT]
            await session.execute(
                insert(User),
                [
                    {
                        "id": user_id,
                        "email": f"user{start + i:06d}@{EMAIL_DOMAIN}",
                        "password_hash": "-",
                        "display_name": f"Bench user {start + i}",
                        "role": Role.STUDENT,
                        "token_version": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i, user_id in enumerate(chunk)
                ],
            )
            rows = []
            for user_id in chunk:
                weekly = rng.randint(1, 3000)
                monthly = weekly + rng.randint(0, 9000)
                rows.append(
                    {
                        "user_id": user_id,
                        "balance": monthly,
                        "total": monthly + rng.randint(0, 50_000),
                        "weekly": weekly,
                        "week_start": week,
                        "monthly": monthly,
                        "month_start": month,
                        "updated_at": now,
                    }
                )
            await session.execute(insert(PointBalance), rows)
        await session.commit()
    print(f"seeded {users} users with points")
    return sorted(ids)


def viewer(user_id: uuid.UUID) -> Viewer:
    return Viewer(user_id, Role.STUDENT, "bench", datetime.now(UTC))


async def run_concurrently(
    count: int, concurrency: int, call: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Runs `call(i)` for i < count on `concurrency` loops; returns (per second, latencies)."""
    latencies: list[float] = []
    counter = iter(range(count))

    async def loop() -> None:
        for i in counter:
            started = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return count / (time.perf_counter() - started), latencies


async def start_of_day(factory: Factory, engine: AsyncEngine) -> None:
    """Every seeded user last earned yesterday and nothing yet today, however many runs came
    before: each award of a run pays its points in full, never cut by the daily cap."""
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    async with factory() as session:
        await session.execute(update(PointBalance).values(earned_day=yesterday, earned_today={}))
        await session.commit()
    # That left a dead version of every row, and each earlier run left as many: the table
    # is compacted, so the SQL baseline reads it as a database in service would.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"VACUUM FULL ANALYZE {PointBalance.__tablename__}"))


async def awards(
    factory: Factory, redis: aioredis.Redis, picks: list[uuid.UUID], concurrency: int
) -> float:
    """One award to each of `picks` (users that were awarded nothing yet today)."""
    day = datetime.now(UTC).date()

    async def award(i: int) -> None:
        async with UnitOfWork(factory) as uow:
            done = await award_points(
                uow,
                redis,
                AwardRequest(
                    user_id=picks[i],
                    source_kind=SourceKind.TASK,
                    source_id=new_id(),
                    reason="TASK_COMPLETED",
                    at=datetime.now(UTC),
                    day=day,
                    streak_days=i % 30,
                    minutes=30 + i % 90,
                    difficulty=Difficulty.MEDIUM,
                ),
            )
            assert done is not None and done.inputs.awarded > 0
            await uow.commit()

    rate, _ = await run_concurrently(len(picks), concurrency, award)
    return rate


async def sql_rank(
    factory: Factory, user_id: uuid.UUID, week: object
) -> tuple[list[tuple[uuid.UUID, str, int]], int]:
    """The baseline: the page by ORDER BY … LIMIT, and the caller's rank by COUNT(*)."""
    async with factory() as session:
        page = (
            await session.execute(
                select(PointBalance.user_id, User.display_name, PointBalance.weekly)
                .join(User, User.id == PointBalance.user_id)
                .where(PointBalance.week_start == week, PointBalance.weekly > 0)
                .order_by(PointBalance.weekly.desc(), PointBalance.user_id)
                .limit(10)
            )
        ).all()
        mine = await session.scalar(
            select(PointBalance.weekly).where(PointBalance.user_id == user_id)
        )
        ahead = await session.scalar(
            select(func.count())
            .select_from(PointBalance)
            .where(
                PointBalance.week_start == week,
                or_(
                    PointBalance.weekly > mine,
                    and_(PointBalance.weekly == mine, PointBalance.user_id < user_id),
                ),
            )
        )
    return [(u, n, int(p)) for u, n, p in page], int(ahead or 0) + 1


async def reads(
    factory: Factory,
    redis: aioredis.Redis,
    users: list[uuid.UUID],
    count: int,
    concurrency: int,
    round_: int,
) -> tuple[tuple[float, list[float]], tuple[float, list[float]]]:
    rng = random.Random(SEED + 100 + round_)
    callers = [rng.choice(users) for _ in range(count)]
    week = week_start(datetime.now(UTC).date())

    async def redis_read(i: int) -> None:
        board = await leaderboard(
            factory,
            redis,
            viewer(callers[i]),
            LeaderboardPeriod.WEEKLY,
            LeaderboardScope.GLOBAL,
            10,
        )
        assert board.me is not None

    async def sql_read(i: int) -> None:
        await sql_rank(factory, callers[i], week)

    redis_run = await run_concurrently(count, concurrency, redis_read)
    sql_run = await run_concurrently(count, concurrency, sql_read)
    return redis_run, sql_run


async def same_answers(factory: Factory, redis: aioredis.Redis, users: list[uuid.UUID]) -> None:
    week = week_start(datetime.now(UTC).date())
    for user_id in random.Random(SEED + 7).sample(users, 20):
        board = await leaderboard(
            factory, redis, viewer(user_id), LeaderboardPeriod.WEEKLY, LeaderboardScope.GLOBAL, 10
        )
        page, rank = await sql_rank(factory, user_id, week)
        assert board.me is not None and board.me.rank == rank, (board.me, rank)
        assert [(s.user_id, s.display_name, s.points) for s in board.entries] == page


def ms(latencies: list[float], share: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def main_async(args: argparse.Namespace) -> None:
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    await ensure_database(database_url)
    settings = Settings(
        database_url=database_url,
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        db_pool_size=args.concurrency + 2,
    )
    await asyncio.to_thread(upgrade, settings)
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    redis = create_redis(settings)  # as the api makes it
    # Awards log and publish their live events (pointsAwarded, leaderboard updates) as in
    # the api, so their cost is measured too.
    bus = EventBus.over_redis(redis)
    await bus.connect()
    use_bus(bus)
    try:
        users = await seed(factory, args.users)
        await redis.flushdb()
        async with factory() as session:
            started = time.perf_counter()
            await ensure_built(
                redis,
                PointRepository(session),
                LeaderboardPeriod.WEEKLY,
                week_start(datetime.now(UTC).date()),
            )
            print(f"weekly board rebuilt from PostgreSQL in {time.perf_counter() - started:.2f} s")
        await start_of_day(factory, engine)
        # Distinct users for the warm-up and every round: no one's daily cap is reached.
        picks = random.Random(SEED + 1).sample(users, WARM_UP + args.awards * args.rounds)
        await awards(factory, redis, picks[:WARM_UP], args.concurrency)
        award_rates = [
            await awards(
                factory,
                redis,
                picks[WARM_UP + r * args.awards : WARM_UP + (r + 1) * args.awards],
                args.concurrency,
            )
            for r in range(args.rounds)
        ]
        await same_answers(factory, redis, users)
        print(f"{args.users} users; concurrency {args.concurrency}; {args.rounds} rounds")
        for i, rate in enumerate(award_rates, start=1):
            print(f"  round {i}: {rate:7.0f} awards/s")
        mean = sum(award_rates) / len(award_rates)
        print(
            f"awards (ledger, balances, 3 leaderboards, committed): {mean:7.0f}/s (target >= 1000)"
        )
        redis_latencies: list[float] = []
        sql_latencies: list[float] = []
        redis_rates, sql_rates = [], []
        for round_ in range(args.rounds):
            (r_rate, r_lat), (s_rate, s_lat) = await reads(
                factory, redis, users, args.reads, args.concurrency, round_
            )
            redis_rates.append(r_rate)
            sql_rates.append(s_rate)
            redis_latencies += r_lat
            sql_latencies += s_lat
            print(f"  round {round_ + 1}: leaderboard {r_rate:7.0f}/s, SQL {s_rate:7.0f}/s")
        for name, rates, lat in (
            ("leaderboard (Redis)", redis_rates, redis_latencies),
            ("SQL ORDER BY + COUNT(*)", sql_rates, sql_latencies),
        ):
            print(
                f"{name:<26} {sum(rates) / len(rates):8.0f} reads/s   p50 {ms(lat, 0.5):6.2f} ms"
                f"   p95 {ms(lat, 0.95):6.2f} ms   p99 {ms(lat, 0.99):6.2f} ms"
            )
        ratio = ms(sql_latencies, 0.5) / ms(redis_latencies, 0.5)
        print(f"rank reads, p50 latency SQL / leaderboard: {ratio:.1f}x  (target >= 20x)")
    finally:
        use_bus(None)
        await bus.disconnect()
        await redis.aclose()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--awards", type=int, default=3000)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    # The service functions run as in an api process: on uvloop (uvicorn's) with its GC
    # settings.
    tune_for_serving()
    uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
