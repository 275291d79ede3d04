"""Database trouble reaches clients as a retryable error, quickly, and changes nothing:
D1 a backend lost mid-request, D2 an exhausted pool, D3 a lock wait cut by the lock timeout.

A request is held inside the database by a row lock another connection keeps on its task,
so the tests know it is in flight without guessing a while.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import from_global_id
from core.settings import Settings
from tests.accounts import Account, gql, register
from tests.conftest import requires_postgres, serve_app
from tests.graphql import post
from tests.study_api import create_goal, create_task
from tests.waiting import waiting_on_a_lock

pytestmark = requires_postgres

COMPLETE = """
mutation ($id: ID!) { completeTask(id: $id, actualMinutes: 30) {
  task { status } errors { code } } }
"""
STATUS = "query ($id: ID!) { node(id: $id) { ... on Task { status } } }"
POINTS = "{ myPoints { total } }"


@asynccontextmanager
async def task_locked(engine: AsyncEngine, task_id: str) -> AsyncIterator[None]:
    """The task's row locked by another connection until the block ends."""
    async with engine.connect() as conn:
        await conn.execute(
            text("SELECT 1 FROM tasks WHERE id = :id FOR UPDATE"),
            {"id": from_global_id(task_id)[1]},
        )
        yield
        await conn.rollback()


def retryable(result: dict[str, Any], code: str, path: str) -> None:
    [error] = result["errors"]
    assert error["path"] == [path]
    assert error["extensions"]["code"] == code
    assert error["extensions"]["retryable"] is True
    assert "Traceback" not in str(result) and "asyncpg" not in str(result)


async def student_with_task(client: httpx.AsyncClient) -> tuple[Account, str]:
    account = await register(client)
    goal = await create_goal(client, account)
    return account, await create_task(client, account, goalId=goal)


async def status(client: httpx.AsyncClient, account: Account, task: str) -> str:
    result = await gql(client, STATUS, {"id": task}, account=account)
    return str(result["data"]["node"]["status"])


async def test_a_lock_wait_is_cut_by_the_lock_timeout_and_changes_nothing(
    settings: Settings, db: AsyncEngine
) -> None:
    """D3: the request fails with TIMEOUT once the lock timeout passes, not when the lock
    is freed; the task stays as it was."""
    quick = settings.model_copy(update={"db_lock_timeout_ms": 300})
    async with serve_app(quick) as client:
        account, task = await student_with_task(client)
        async with task_locked(db, task):
            result = await gql(client, COMPLETE, {"id": task}, account=account)
            retryable(result, "TIMEOUT", "completeTask")
        assert await status(client, account, task) == "PENDING"
        done = await gql(client, COMPLETE, {"id": task}, account=account)
        assert done["data"]["completeTask"]["task"]["status"] == "COMPLETED"


async def test_an_exhausted_pool_answers_service_unavailable_at_once(
    settings: Settings, db: AsyncEngine
) -> None:
    """D2: with the pool's one connection held by a request waiting on a lock, another
    request is refused after the pool timeout while the first still waits; once the lock is
    freed the first completes."""
    one = settings.model_copy(
        update={
            "db_pool_size": 1,
            "db_max_overflow": 0,
            "db_pool_timeout_seconds": 0.3,
            "db_lock_timeout_ms": 60_000,
        }
    )
    async with serve_app(one) as client:
        account, task = await student_with_task(client)
        async with task_locked(db, task):
            holding = asyncio.create_task(gql(client, COMPLETE, {"id": task}, account=account))
            await waiting_on_a_lock(db)
            # The token is checked against the database before anything runs: the whole
            # request is refused, as HTTP says a server that cannot serve it for now.
            refused = await post(client, POINTS, headers=account.headers)
            assert not holding.done()
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json() == {
            "errors": [
                {
                    "message": "Service unavailable for a moment; retry",
                    "extensions": {"code": "SERVICE_UNAVAILABLE", "retryable": True},
                }
            ]
        }
        completed = await holding
        assert completed["data"]["completeTask"]["task"]["status"] == "COMPLETED"
        assert (await gql(client, POINTS, account=account))["data"]["myPoints"]["total"] > 0


async def test_a_backend_lost_mid_request_is_retryable_and_the_retry_succeeds(
    settings: Settings, db: AsyncEngine
) -> None:
    """D1: the request whose connection PostgreSQL drops fails with a retryable error and
    commits nothing; the same request again succeeds on a fresh connection."""
    async with serve_app(settings) as client:
        account, task = await student_with_task(client)
        async with task_locked(db, task):
            request = asyncio.create_task(gql(client, COMPLETE, {"id": task}, account=account))
            pid = await waiting_on_a_lock(db)
            async with db.connect() as conn:
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            result = await request
        retryable(result, "SERVICE_UNAVAILABLE", "completeTask")
        assert await status(client, account, task) == "PENDING"
        retried = await gql(client, COMPLETE, {"id": task}, account=account)
        assert retried["data"]["completeTask"]["task"]["status"] == "COMPLETED"
