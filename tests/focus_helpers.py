"""Shared pieces of the focus session and blocked site tests.

A fixed clock for the tests that control time completely, readers of the stored rows, whole
sessions played at exact instants through `resolvers.focus`, and the `account`, `other` and
`viewer` fixtures (conftest.py loads this module as a plugin, so test files need not import
them).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models.focus import DistractionKind, FocusSession, FocusStatus
from db.models.goals import Task
from resolvers import focus as focus_rules
from resolvers.access import Viewer
from tests.accounts import Account, gql, register, viewer_of

# A fixed instant for the tests that control time completely.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)

Factory = async_sessionmaker[AsyncSession]


async def data(
    client: httpx.AsyncClient, account: Account, query: str, **variables: Any
) -> dict[str, Any]:
    """The `data` of a request that must not fail at the top level (the query counterpart of
    `tests.study_api.mutate`)."""
    result = await gql(client, query, variables, account=account)
    assert "errors" not in result, result
    return dict(result["data"])


def error_list(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The (code, field) pairs of a mutation payload's errors."""
    return [(error["code"], error["field"]) for error in payload["errors"]]


async def count_rows(session_factory: Factory, model: type[Any], user_id: uuid.UUID) -> int:
    async with session_factory() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(model).where(model.user_id == user_id)
            )
            or 0
        )


async def stored_session(session_factory: Factory, session_id: uuid.UUID) -> dict[str, Any]:
    """Every column of a focus session as stored now."""
    async with session_factory() as session:
        row = await session.get(FocusSession, session_id)
        assert row is not None
        return {column.key: getattr(row, column.key) for column in FocusSession.__table__.columns}


async def stored_task(session_factory: Factory, task_id: uuid.UUID) -> Task:
    async with session_factory() as session:
        row = await session.get(Task, task_id)
        assert row is not None
        return row


async def run_session(
    session_factory: Factory,
    viewer: Viewer,
    start: datetime,
    *,
    pauses: Sequence[tuple[int, int]] = (),
    end_after: int,
    ending: FocusStatus = FocusStatus.COMPLETED,
    distractions_at: Sequence[int] = (),
    task_id: uuid.UUID | None = None,
    planned_minutes: int = 25,
) -> FocusSession:
    """A whole session at exact instants, all given in minutes after `start`: pauses as
    (paused at, resumed at), distractions logged at the given minutes, ended at `end_after`."""
    session = await focus_rules.start_focus_session(
        session_factory, viewer, planned_minutes, task_id, now=start
    )
    events: list[tuple[int, str]] = [(m, "distraction") for m in distractions_at]
    for paused, resumed in pauses:
        events += [(paused, "pause"), (resumed, "resume")]
    for minute, kind in sorted(events):
        at = start + minute * MINUTE
        if kind == "pause":
            await focus_rules.pause_focus_session(session_factory, viewer, session.id, now=at)
        elif kind == "resume":
            await focus_rules.resume_focus_session(session_factory, viewer, session.id, now=at)
        else:
            await focus_rules.log_distraction(
                session_factory, viewer, DistractionKind.APP, None, now=at
            )
    end = start + end_after * MINUTE
    if ending == FocusStatus.COMPLETED:
        return await focus_rules.complete_focus_session(
            session_factory, viewer, session.id, now=end
        )
    return await focus_rules.abandon_focus_session(session_factory, viewer, session.id, now=end)


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    """A newly registered student."""
    return await register(client)


@pytest.fixture
async def other(client: httpx.AsyncClient) -> Account:
    """A second student, for what must stay the first one's own."""
    return await register(client)


@pytest.fixture
def viewer(account: Account) -> Viewer:
    """The viewer of `account`, for calling the resolvers directly."""
    return viewer_of(account)
