"""Helpers of the gamification tests: users made directly, and study activity handed to
gamification exactly as a completion does (a domain event in a unit of work)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.domain_events import publish
from core.ids import new_id
from core.unit_of_work import UnitOfWork
from db.models.goals import Difficulty, Timeliness
from resolvers.gamification.runtime import live_redis
from resolvers.study_events import TaskCompleted
from tests import factories

Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def redis(app: Starlette, session_factory: Factory) -> AsyncIterator[aioredis.Redis]:
    """The Redis client gamification writes to in this process (the app installs it)."""
    yield live_redis()


async def new_users(session_factory: Factory, count: int) -> list[uuid.UUID]:
    """`count` users, in the order of their ids (the leaderboards' tie-break)."""
    users = [factories.user() for _ in range(count)]
    async with session_factory() as session:
        session.add_all(users)
        await session.commit()
    return sorted(user.id for user in users)


async def complete(
    session_factory: Factory,
    user_id: uuid.UUID,
    at: datetime,
    *,
    minutes: int = 0,
    difficulty: Difficulty = Difficulty.EASY,
    task_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """A task completion as `completeTask` announces it; returns the task id."""
    task_id = task_id or new_id()
    async with UnitOfWork(session_factory) as uow:
        await publish(
            uow,
            TaskCompleted(
                user_id=user_id,
                task_id=task_id,
                goal_id=None,
                estimated_minutes=minutes,
                actual_minutes=minutes,
                difficulty=difficulty,
                timeliness=Timeliness.ON_TIME,
                completed_at=at,
            ),
        )
        await uow.commit()
    return task_id
