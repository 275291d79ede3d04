"""The seeded dataset of bench/goals.py: users, each with goals, milestones, tasks and
dependencies between the tasks of a goal.

    python -m bench.goals_seed [--database-url URL] [--users 1000] [--goals 20]
                               [--milestones 3] [--tasks 10]

Default database: postgresql+asyncpg://postgres@127.0.0.1:5432/bench_goals, created when
missing and migrated to head. Rows go in with bulk Core inserts, a batch of users per
transaction. Every bench user's email ends in @goals.bench and all share one real argon2
hash of BENCH_PASSWORD, so they can also sign in. Idempotent: when the database already
holds this exact shape it is left alone; a database holding another shape of bench data is
emptied and seeded again (one holding anything else is refused).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from core.ids import new_id
from core.passwords import Passwords
from core.settings import Settings
from db.base import Base
from db.migrate import upgrade
from db.models.goals import (
    Difficulty,
    Goal,
    GoalCategory,
    GoalPriority,
    GoalStatus,
    Milestone,
    Task,
    TaskDependency,
    TaskStatus,
)
from db.models.users import Preferences, Role, User

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_goals"
EMAIL_DOMAIN = "goals.bench"
BENCH_PASSWORD = "bench goals password"  # noqa: S105  (a throwaway bench account)
SEED = 20_240_611
USERS_PER_BATCH = 50
ROWS_PER_INSERT = 5_000

TASK_STATUSES = [
    TaskStatus.PENDING,
    TaskStatus.IN_PROGRESS,
    TaskStatus.COMPLETED,
    TaskStatus.SKIPPED,
]
TASK_STATUS_WEIGHTS = [55, 10, 30, 5]
# Archived goals leave the default list, so none is seeded: every user lists all their goals.
GOAL_STATUSES = [GoalStatus.ACTIVE, GoalStatus.PAUSED, GoalStatus.COMPLETED]
GOAL_STATUS_WEIGHTS = [80, 10, 10]


@dataclass(frozen=True)
class Shape:
    users: int = 1_000
    goals: int = 20  # per user
    milestones: int = 3  # per goal
    tasks: int = 10  # per milestone

    @property
    def tasks_per_goal(self) -> int:
        return self.milestones * self.tasks

    def expected_counts(self) -> dict[str, int]:
        goals = self.users * self.goals
        return {
            "users": self.users,
            "goals": goals,
            "milestones": goals * self.milestones,
            "tasks": goals * self.tasks_per_goal,
        }


@dataclass(frozen=True)
class BenchUser:
    id: uuid.UUID
    role: Role
    token_version: int


def email_of(index: int) -> str:
    return f"user{index:06d}@{EMAIL_DOMAIN}"


async def ensure_database(database_url: str) -> None:
    """Creates the PostgreSQL database when missing (other dialects create it on connect)."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        return
    name = url.database or ""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SystemExit(f"refusing to create a database named {name!r}")
    admin = create_async_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        async with admin.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
                print(f"created database {name}")
    finally:
        await admin.dispose()


async def current_counts(conn: AsyncConnection) -> dict[str, int]:
    counts = {}
    for name, model in (
        ("users", User),
        ("goals", Goal),
        ("milestones", Milestone),
        ("tasks", Task),
    ):
        counts[name] = int(await conn.scalar(select(func.count()).select_from(model)) or 0)
    return counts


async def wipe(conn: AsyncConnection) -> None:
    """Empties a database that holds bench data only; anything else is refused."""
    others = await conn.scalar(
        select(func.count()).select_from(User).where(~User.email.endswith(f"@{EMAIL_DOMAIN}"))
    )
    if others:
        raise SystemExit(
            f"the database holds {others} users that are not bench users: "
            "point --database-url at a database of its own"
        )
    if conn.dialect.name == "postgresql":
        # Every table of user data references users, so this empties them all.
        await conn.execute(text("TRUNCATE users CASCADE"))
    else:
        for model in (TaskDependency, Task, Milestone, Goal, Preferences, User):
            await conn.execute(delete(model))


# Rows per model, parents before children.
Batch = dict[type[Base], list[dict[str, Any]]]


class Generator:
    """Rows for a range of users; the same seed gives the same shape of data every time."""

    def __init__(self, shape: Shape, password_hash: str):
        self.shape = shape
        self.password_hash = password_hash
        self.rng = random.Random(SEED)
        self.now = datetime.now(UTC)

    def batch(self, first_user: int, count: int) -> Batch:
        rows: Batch = {
            model: []
            for model in (
                User,
                Preferences,
                Goal,
                Milestone,
                Task,
                TaskDependency,
            )
        }
        for index in range(first_user, first_user + count):
            user_id = new_id()
            rows[User].append(
                {
                    "id": user_id,
                    "email": email_of(index),
                    "password_hash": self.password_hash,
                    "display_name": f"Bench user {index}",
                    "role": Role.STUDENT,
                    "token_version": 0,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            rows[Preferences].append({"user_id": user_id, "updated_at": self.now})
            for number in range(self.shape.goals):
                self._goal(rows, user_id, number)
        return rows

    def _goal(self, rows: Batch, user_id: uuid.UUID, n: int) -> None:
        rng = self.rng
        goal_id = new_id()
        status = rng.choices(GOAL_STATUSES, GOAL_STATUS_WEIGHTS)[0]
        rows[Goal].append(
            {
                "id": goal_id,
                "user_id": user_id,
                "title": f"Goal {n + 1}",
                "description": None,
                "category": rng.choice(list(GoalCategory)),
                "priority": rng.choice(list(GoalPriority)),
                "status": status,
                "target_date": (self.now + timedelta(days=rng.randint(10, 200))).date(),
                "completed_at": self.now if status == GoalStatus.COMPLETED else None,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        earlier: list[uuid.UUID] = []  # the goal's tasks so far, in id (creation) order
        for position in range(self.shape.milestones):
            milestone_id = new_id()
            rows[Milestone].append(
                {
                    "id": milestone_id,
                    "goal_id": goal_id,
                    "user_id": user_id,
                    "title": f"Milestone {position + 1}",
                    "target_date": None,
                    "position": position,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            for number in range(self.shape.tasks):
                task_id = new_id()
                task_status = rng.choices(TASK_STATUSES, TASK_STATUS_WEIGHTS)[0]
                finished = task_status in (TaskStatus.COMPLETED, TaskStatus.SKIPPED)
                rows[Task].append(
                    {
                        "id": task_id,
                        "user_id": user_id,
                        "goal_id": goal_id,
                        "milestone_id": milestone_id,
                        "title": f"Task {position + 1}.{number + 1}",
                        "estimated_minutes": rng.choice((15, 25, 30, 45, 60, 90)),
                        "difficulty": rng.choice(list(Difficulty)),
                        "due_at": self.now + timedelta(days=rng.randint(1, 60)),
                        "status": task_status,
                        "finished_at": self.now if finished else None,
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
                # Only on earlier tasks of the same goal: the graph stays acyclic.
                for depends_on in rng.sample(earlier, min(len(earlier), rng.randint(0, 2))):
                    rows[TaskDependency].append({"task_id": task_id, "depends_on_id": depends_on})
                earlier.append(task_id)


async def insert_rows(
    conn: AsyncConnection, model: type[Base], rows: Sequence[dict[str, Any]]
) -> None:
    # With RETURNING, SQLAlchemy sends pages of multi-row VALUES ("insertmanyvalues");
    # without it asyncpg runs one execution per row, 2-3 times slower here.
    key = inspect(model).primary_key[0]
    for start in range(0, len(rows), ROWS_PER_INSERT):
        await conn.execute(
            insert(model).returning(key), list(rows[start : start + ROWS_PER_INSERT])
        )


async def seed(database_url: str, shape: Shape) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            found = await current_counts(conn)
            if found == shape.expected_counts():
                print(f"bench data already seeded: {_describe(found)}")
                return
            if any(found.values()):
                print(f"emptying bench data of another shape: {_describe(found)}")
                await wipe(conn)
        # One real hash for everyone: argon2 is slow on purpose.
        password_hash = await Passwords(Settings(database_url=database_url)).hash(BENCH_PASSWORD)
        generator = Generator(shape, password_hash)
        started = time.perf_counter()
        starts = range(0, shape.users, USERS_PER_BATCH)

        def make(first: int) -> Batch:
            return generator.batch(first, min(USERS_PER_BATCH, shape.users - first))

        # The next batch is built in a thread while PostgreSQL stores this one.
        upcoming = asyncio.create_task(asyncio.to_thread(make, starts[0]))
        for index, first in enumerate(starts):
            batch = await upcoming
            if index + 1 < len(starts):
                upcoming = asyncio.create_task(asyncio.to_thread(make, starts[index + 1]))
            async with engine.begin() as conn:
                for model, rows in batch.items():  # parents first: the dict keeps FK order
                    await insert_rows(conn, model, rows)
            done = min(first + USERS_PER_BATCH, shape.users)
            elapsed = time.perf_counter() - started
            print(f"  seeded {done}/{shape.users} users ({elapsed:.0f} s)", flush=True)
        async with engine.begin() as conn:  # committed: a rolled back ANALYZE leaves no stats
            if conn.dialect.name == "postgresql":
                await conn.execute(text("ANALYZE"))
            found = await current_counts(conn)
        print(f"seeded in {time.perf_counter() - started:.0f} s: {_describe(found)}")
    finally:
        await engine.dispose()


async def bench_users(database_url: str) -> list[BenchUser]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(User.id, User.role, User.token_version)
                .where(User.email.endswith(f"@{EMAIL_DOMAIN}"))
                .order_by(User.email)
            )
            return [BenchUser(id_, Role(role), version) for id_, role, version in rows]
    finally:
        await engine.dispose()


def prepare(database_url: str, shape: Shape) -> None:
    """Database created, migrated to head and seeded with `shape` (skipped when it is)."""
    asyncio.run(ensure_database(database_url))
    # Alembic's env runs its own event loop, so this stays outside ours.
    upgrade(Settings(database_url=database_url))
    asyncio.run(seed(database_url, shape))


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in counts.items())


def add_shape_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--users", type=int, default=Shape.users)
    parser.add_argument("--goals", type=int, default=Shape.goals, help="per user")
    parser.add_argument("--milestones", type=int, default=Shape.milestones, help="per goal")
    parser.add_argument("--tasks", type=int, default=Shape.tasks, help="per milestone")


def shape_of(args: argparse.Namespace) -> Shape:
    return Shape(users=args.users, goals=args.goals, milestones=args.milestones, tasks=args.tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_shape_arguments(parser)
    args = parser.parse_args()
    prepare(args.database_url, shape_of(args))


if __name__ == "__main__":
    main()
