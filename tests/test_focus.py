"""Focus sessions and blocked sites.

The business functions in `resolvers.focus` take an explicit `now`, so the timing rules
(paused time does not count, statistics over a period, the minutes a task took) are tested by
calling them directly at exact instants. The API flows (the session state machine, input
errors, ownership, blocked sites, pagination) go through GraphQL as clients do.

Sections:
    helpers and fixtures
    1. focused time: pauses do not count
    2. focus statistics
    3. one open session per user (also under concurrency)
    4. the session state machine through the API
    5. distractions
    6. sessions on tasks and planned minutes
    7. a task's actual minutes from its focus sessions
    8. blocked sites
    9. the focusSessions connection
    10. concurrent changes to one session or site: known product bugs, as strict xfails
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import DomainError, UserInputError
from core.ids import from_global_id, to_global_id
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.focus import (
    BlockedSite,
    Distraction,
    DistractionKind,
    FocusSession,
    FocusStatus,
)
from db.models.goals import Task, TaskStatus, Timeliness
from db.models.users import Role
from resolvers import blocked_sites as blocked_site_rules
from resolvers import focus as focus_rules
from resolvers import tasks as task_rules
from resolvers.access import Viewer
from resolvers.focus import FocusPeriod, FocusStats
from tests.accounts import Account, gql, register
from tests.graphql import post

# A fixed instant for the tests that control time completely.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
NO_STATS = FocusStats(
    focused_minutes=0,
    sessions=0,
    abandoned_sessions=0,
    average_session_minutes=0.0,
    distractions_per_hour=0.0,
    productivity_score=0,
)

Factory = async_sessionmaker[AsyncSession]

# ---------------------------------------------------------------------------------------------
# helpers and fixtures
# ---------------------------------------------------------------------------------------------

SESSION_FIELDS = """
    id status plannedMinutes startedAt endedAt pauseCount distractionCount focusedMinutes
    task { id status }
"""
PAYLOAD = f"focusSession {{ {SESSION_FIELDS} }} errors {{ code field }}"
START = f"""
mutation ($minutes: Int! = 25, $taskId: ID) {{
  startFocusSession(plannedMinutes: $minutes, taskId: $taskId) {{ {PAYLOAD} }}
}}"""
PAUSE = f"mutation ($id: ID!) {{ pauseFocusSession(id: $id) {{ {PAYLOAD} }} }}"
RESUME = f"mutation ($id: ID!) {{ resumeFocusSession(id: $id) {{ {PAYLOAD} }} }}"
COMPLETE = f"mutation ($id: ID!) {{ completeFocusSession(id: $id) {{ {PAYLOAD} }} }}"
ABANDON = f"mutation ($id: ID!) {{ abandonFocusSession(id: $id) {{ {PAYLOAD} }} }}"
DISTRACTION = f"""
mutation ($kind: DistractionKind!, $label: String) {{
  logDistraction(kind: $kind, label: $label) {{ {PAYLOAD} }}
}}"""
ACTIVE = f"query {{ activeFocusSession {{ {SESSION_FIELDS} }} }}"
STATS = """
query ($period: FocusPeriod!) {
  focusStats(period: $period) {
    focusedMinutes sessions abandonedSessions averageSessionMinutes distractionsPerHour
    productivityScore
  }
}"""
CREATE_TASK = """
mutation ($title: String!) {
  createTask(input: {title: $title, estimatedMinutes: 30}) { task { id status } errors { code } }
}"""
SESSIONS_PAGE = """
query ($first: Int!, $after: String, $status: [FocusStatus!]) {
  focusSessions(first: $first, after: $after, status: $status) {
    edges { cursor node { id status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

SITE_FIELDS = "id pattern active"
ADD_SITE = f"""
mutation ($pattern: String!) {{
  addBlockedSite(pattern: $pattern) {{ blockedSite {{ {SITE_FIELDS} }} errors {{ code field }} }}
}}"""
TOGGLE_SITE = f"""
mutation ($id: ID!, $active: Boolean) {{
  toggleBlockedSite(id: $id, active: $active) {{
    blockedSite {{ {SITE_FIELDS} }} errors {{ code field }}
  }}
}}"""
REMOVE_SITE = """
mutation ($id: ID!) {
  removeBlockedSite(id: $id) { removedBlockedSiteId errors { code field } }
}"""
SITES = f"query {{ blockedSites {{ {SITE_FIELDS} }} }}"


def viewer_of(account: Account) -> Viewer:
    """The viewer a request of this account would carry."""
    return Viewer(
        user_id=from_global_id(account.id)[1],
        role=Role.STUDENT,
        token_id="t",
        token_expires_at=utcnow() + timedelta(hours=1),
    )


async def data(
    client: httpx.AsyncClient,
    query: str,
    account: Account,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `data` of a request that must not fail at the top level."""
    result = await gql(client, query, variables, account)
    assert "errors" not in result, result
    return dict(result["data"])


async def mutate(
    client: httpx.AsyncClient,
    query: str,
    account: Account,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload of a single-field mutation."""
    payload = await data(client, query, account, variables)
    (value,) = payload.values()
    return dict(value)


def error_list(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
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


# How long a commit waits for the other racers before going ahead anyway (a fixed product
# may serialise them before they reach the commit).
COMMIT_WAIT_SECONDS = 0.5


@pytest.fixture
def commits_wait_for(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Makes the interleaving deterministic: each unit of work waits before its commit until
    `parties` of them are there, so every racer has read the row before any writes it."""

    def install(parties: int) -> None:
        barrier = asyncio.Barrier(parties)
        original = UnitOfWork.commit

        async def commit(self: UnitOfWork) -> None:
            with contextlib.suppress(TimeoutError, asyncio.BrokenBarrierError):
                await asyncio.wait_for(barrier.wait(), COMMIT_WAIT_SECONDS)
            await original(self)

        monkeypatch.setattr(UnitOfWork, "commit", commit)

    return install


def outcome(result: object) -> str:
    """OK for a success, the code of a domain error, else the exception's type."""
    if isinstance(result, DomainError):
        return result.code
    if isinstance(result, BaseException):
        return type(result).__name__
    return "OK"


def outcome_codes(results: Sequence[object]) -> list[str]:
    """The outcomes of racing calls, sorted (which racer wins is not specified)."""
    return sorted(outcome(result) for result in results)


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    return await register(client)


@pytest.fixture
async def other(client: httpx.AsyncClient) -> Account:
    return await register(client)


@pytest.fixture
def viewer(account: Account) -> Viewer:
    return viewer_of(account)


# ---------------------------------------------------------------------------------------------
# 1. focused time: pauses do not count
# ---------------------------------------------------------------------------------------------


async def test_paused_time_does_not_count(session_factory: Factory, viewer: Viewer) -> None:
    started = await focus_rules.start_focus_session(session_factory, viewer, 45, None, now=T0)
    assert focus_rules.focused_seconds(started, T0 + 10 * MINUTE) == 600

    paused = await focus_rules.pause_focus_session(
        session_factory, viewer, started.id, now=T0 + 10 * MINUTE
    )
    assert paused.status == FocusStatus.PAUSED
    # The pause under way does not count either.
    assert focus_rules.focused_seconds(paused, T0 + 20 * MINUTE) == 600

    resumed = await focus_rules.resume_focus_session(
        session_factory, viewer, started.id, now=T0 + 25 * MINUTE
    )
    assert (resumed.status, resumed.paused_at, resumed.paused_seconds) == (
        FocusStatus.ACTIVE,
        None,
        900,
    )
    assert focus_rules.focused_seconds(resumed, T0 + 30 * MINUTE) == 900

    done = await focus_rules.complete_focus_session(
        session_factory, viewer, started.id, now=T0 + 40 * MINUTE
    )
    stored = await stored_session(session_factory, started.id)
    assert {key: stored[key] for key in ("status", "ended_at", "paused_at")} == {
        "status": FocusStatus.COMPLETED,
        "ended_at": T0 + 40 * MINUTE,
        "paused_at": None,
    }
    assert (stored["paused_seconds"], stored["pause_count"]) == (900, 1)
    # Once ended, `now` no longer matters.
    assert focus_rules.focused_seconds(done, None) == 25 * 60
    assert focus_rules.focused_seconds(done, T0 + timedelta(days=3)) == 25 * 60

    stats = await focus_rules.focus_stats(
        session_factory, viewer, FocusPeriod.DAY, now=T0 + 60 * MINUTE
    )
    assert (stats.focused_minutes, stats.sessions, stats.average_session_minutes) == (25, 1, 25.0)


async def test_a_pause_under_way_at_completion_does_not_count(
    session_factory: Factory, viewer: Viewer
) -> None:
    session = await run_session(session_factory, viewer, T0, pauses=[(20, 30)], end_after=60)
    assert (session.paused_seconds, session.pause_count) == (600, 1)
    paused_at_the_end = await focus_rules.start_focus_session(
        session_factory, viewer, 25, None, now=T0 + 2 * 60 * MINUTE
    )
    await focus_rules.pause_focus_session(
        session_factory, viewer, paused_at_the_end.id, now=T0 + 135 * MINUTE
    )
    ended = await focus_rules.complete_focus_session(
        session_factory, viewer, paused_at_the_end.id, now=T0 + 150 * MINUTE
    )
    assert (ended.paused_at, ended.paused_seconds) == (None, 15 * 60)
    assert focus_rules.focused_seconds(ended, None) == 15 * 60


# ---------------------------------------------------------------------------------------------
# 2. focus statistics
# ---------------------------------------------------------------------------------------------


async def test_focus_stats_exact_values(session_factory: Factory, viewer: Viewer) -> None:
    now = T0 + timedelta(days=10)
    # Ended 8 days ago: outside WEEK, inside MONTH.
    await run_session(session_factory, viewer, now - timedelta(days=8, hours=1), end_after=30)
    # 50 focused minutes, 10 paused, 2 distractions; then an abandoned session.
    completed = await run_session(
        session_factory,
        viewer,
        now - 3 * 60 * MINUTE,
        pauses=[(20, 30)],
        distractions_at=[5, 40],
        end_after=60,
    )
    assert (completed.distraction_count, completed.paused_seconds) == (2, 600)
    await run_session(
        session_factory,
        viewer,
        now - 90 * MINUTE,
        end_after=10,
        ending=FocusStatus.ABANDONED,
        distractions_at=[3],
    )

    week = await focus_rules.focus_stats(session_factory, viewer, FocusPeriod.WEEK, now=now)
    # round(100 x 1/2 x 50/60 / (1 + 2.4 / 4)) = round(26.04) = 26
    assert week == FocusStats(
        focused_minutes=50,
        sessions=1,
        abandoned_sessions=1,
        average_session_minutes=50.0,
        distractions_per_hour=2.4,
        productivity_score=26,
    )
    month = await focus_rules.focus_stats(session_factory, viewer, FocusPeriod.MONTH, now=now)
    # 80 focused of 90 minutes, 2 distractions in 80 minutes = 1.5 an hour:
    # round(100 x 2/3 x 80/90 / (1 + 1.5 / 4)) = round(43.10) = 43
    assert month == FocusStats(
        focused_minutes=80,
        sessions=2,
        abandoned_sessions=1,
        average_session_minutes=40.0,
        distractions_per_hour=1.5,
        productivity_score=43,
    )
    # Before any of them ended there is nothing to count.
    earlier = now - timedelta(days=9)
    assert (
        await focus_rules.focus_stats(session_factory, viewer, FocusPeriod.DAY, now=earlier)
        == NO_STATS
    )


async def test_focus_stats_ignore_open_sessions_and_other_users(
    session_factory: Factory, viewer: Viewer, other: Account
) -> None:
    await run_session(session_factory, viewer, T0, end_after=30)
    await run_session(session_factory, viewer_of(other), T0, end_after=45)
    await focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0 + 40 * MINUTE)

    stats = await focus_rules.focus_stats(
        session_factory, viewer, FocusPeriod.DAY, now=T0 + 60 * MINUTE
    )
    assert stats == FocusStats(
        focused_minutes=30,
        sessions=1,
        abandoned_sessions=0,
        average_session_minutes=30.0,
        distractions_per_hour=0.0,
        productivity_score=100,
    )


async def test_only_abandoned_sessions_score_zero(session_factory: Factory, viewer: Viewer) -> None:
    await run_session(session_factory, viewer, T0, end_after=20, ending=FocusStatus.ABANDONED)
    stats = await focus_rules.focus_stats(
        session_factory, viewer, FocusPeriod.DAY, now=T0 + 60 * MINUTE
    )
    assert stats == FocusStats(
        focused_minutes=0,
        sessions=0,
        abandoned_sessions=1,
        average_session_minutes=0.0,
        distractions_per_hour=0.0,
        productivity_score=0,
    )


async def test_no_sessions_give_zero_stats(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, viewer: Viewer
) -> None:
    for period in FocusPeriod:
        assert await focus_rules.focus_stats(session_factory, viewer, period, now=T0) == NO_STATS
    for name in ("DAY", "WEEK", "MONTH"):
        assert (await data(client, STATS, account, {"period": name}))["focusStats"] == {
            "focusedMinutes": 0,
            "sessions": 0,
            "abandonedSessions": 0,
            "averageSessionMinutes": 0.0,
            "distractionsPerHour": 0.0,
            "productivityScore": 0,
        }


async def test_focus_stats_through_the_api(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, viewer: Viewer
) -> None:
    # The API counts up to the real now: place the sessions a few hours before it.
    start = utcnow().replace(microsecond=0) - 5 * 60 * MINUTE
    await run_session(
        session_factory, viewer, start, pauses=[(20, 30)], distractions_at=[5, 40], end_after=60
    )
    await run_session(
        session_factory, viewer, start + 90 * MINUTE, end_after=10, ending=FocusStatus.ABANDONED
    )
    # Ended 8 days ago: only MONTH counts it.
    await run_session(session_factory, viewer, start - timedelta(days=8), end_after=30)

    assert (await data(client, STATS, account, {"period": "WEEK"}))["focusStats"] == {
        "focusedMinutes": 50,
        "sessions": 1,
        "abandonedSessions": 1,
        "averageSessionMinutes": 50.0,
        "distractionsPerHour": 2.4,
        "productivityScore": 26,
    }
    assert (await data(client, STATS, account, {"period": "MONTH"}))["focusStats"]["sessions"] == 2


# ---------------------------------------------------------------------------------------------
# 3. one open session per user
# ---------------------------------------------------------------------------------------------


async def test_second_start_is_refused(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, viewer: Viewer
) -> None:
    first = await focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0)
    with pytest.raises(UserInputError) as refused:
        await focus_rules.start_focus_session(session_factory, viewer, 30, None, now=T0 + MINUTE)
    assert refused.value.code == "FOCUS_SESSION_ACTIVE"
    assert await count_rows(session_factory, FocusSession, viewer.user_id) == 1

    # A paused session is still open.
    await focus_rules.pause_focus_session(session_factory, viewer, first.id, now=T0 + 2 * MINUTE)
    payload = await mutate(client, START, account)
    assert payload["focusSession"] is None
    assert error_list(payload) == [("FOCUS_SESSION_ACTIVE", None)]
    assert await count_rows(session_factory, FocusSession, viewer.user_id) == 1


async def test_concurrent_starts_open_exactly_one_session(
    session_factory: Factory, viewer: Viewer
) -> None:
    results = await asyncio.gather(
        *(
            focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0)
            for _ in range(10)
        ),
        return_exceptions=True,
    )
    started = [r for r in results if isinstance(r, FocusSession)]
    refused = [r for r in results if isinstance(r, UserInputError)]
    assert len(started) == 1, results
    assert len(refused) == 9, results
    assert {error.code for error in refused} == {"FOCUS_SESSION_ACTIVE"}
    assert await count_rows(session_factory, FocusSession, viewer.user_id) == 1
    open_now = await focus_rules.active_focus_session(session_factory, viewer)
    assert open_now is not None and open_now.id == started[0].id


async def test_racing_starts_past_the_check_are_refused_by_the_database(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    """Both pass the "no open session" check before either commits: the unique index refuses
    the second insert, which still reads as FOCUS_SESSION_ACTIVE."""
    commits_wait_for(2)
    results = await asyncio.gather(
        focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0),
        focus_rules.start_focus_session(session_factory, viewer, 50, None, now=T0),
        return_exceptions=True,
    )
    assert outcome_codes(results) == ["FOCUS_SESSION_ACTIVE", "OK"]
    assert await count_rows(session_factory, FocusSession, viewer.user_id) == 1


async def test_each_user_has_their_own_open_session(
    client: httpx.AsyncClient, account: Account, other: Account
) -> None:
    mine = await mutate(client, START, account)
    theirs = await mutate(client, START, other)
    assert (mine["errors"], theirs["errors"]) == ([], [])
    assert mine["focusSession"]["id"] != theirs["focusSession"]["id"]


# ---------------------------------------------------------------------------------------------
# 4. the session state machine through the API
# ---------------------------------------------------------------------------------------------


async def refused_unchanged(
    client: httpx.AsyncClient,
    session_factory: Factory,
    account: Account,
    mutation: str,
    session_id: str,
    code: str = "INVALID_SESSION_STATE",
) -> None:
    """The mutation returns `code` on field `id` and the stored session does not change."""
    local = from_global_id(session_id)[1]
    before = await stored_session(session_factory, local)
    payload = await mutate(client, mutation, account, {"id": session_id})
    assert payload["focusSession"] is None
    assert error_list(payload) == [(code, "id")]
    assert await stored_session(session_factory, local) == before


async def test_session_state_machine(
    client: httpx.AsyncClient, session_factory: Factory, account: Account
) -> None:
    started = await mutate(client, START, account, {"minutes": 50})
    assert started["errors"] == []
    session = started["focusSession"]
    assert {k: session[k] for k in ("status", "plannedMinutes", "endedAt", "pauseCount")} == {
        "status": "ACTIVE",
        "plannedMinutes": 50,
        "endedAt": None,
        "pauseCount": 0,
    }
    assert (session["distractionCount"], session["focusedMinutes"], session["task"]) == (0, 0, None)
    sid = session["id"]
    vars_ = {"id": sid}

    # An active session cannot be resumed.
    await refused_unchanged(client, session_factory, account, RESUME, sid)

    paused = await mutate(client, PAUSE, account, vars_)
    assert (paused["errors"], paused["focusSession"]["status"]) == ([], "PAUSED")
    assert paused["focusSession"]["pauseCount"] == 1
    # A paused session cannot be paused again.
    await refused_unchanged(client, session_factory, account, PAUSE, sid)
    assert (await data(client, ACTIVE, account))["activeFocusSession"]["status"] == "PAUSED"

    resumed = await mutate(client, RESUME, account, vars_)
    assert (resumed["errors"], resumed["focusSession"]["status"]) == ([], "ACTIVE")
    assert resumed["focusSession"]["pauseCount"] == 1

    completed = await mutate(client, COMPLETE, account, vars_)
    assert completed["errors"] == []
    assert completed["focusSession"]["status"] == "COMPLETED"
    assert completed["focusSession"]["endedAt"] is not None
    # An ended session cannot change any more.
    for mutation in (COMPLETE, ABANDON, PAUSE, RESUME):
        await refused_unchanged(client, session_factory, account, mutation, sid)
    assert (await data(client, ACTIVE, account))["activeFocusSession"] is None

    # A new session may start, and be abandoned while paused.
    again = await mutate(client, START, account)
    assert again["errors"] == []
    new_id = again["focusSession"]["id"]
    assert new_id != sid
    assert (await data(client, ACTIVE, account))["activeFocusSession"]["id"] == new_id
    assert (await mutate(client, PAUSE, account, {"id": new_id}))["errors"] == []
    abandoned = await mutate(client, ABANDON, account, {"id": new_id})
    assert abandoned["errors"] == []
    assert abandoned["focusSession"]["status"] == "ABANDONED"
    assert abandoned["focusSession"]["endedAt"] is not None
    stored = await stored_session(session_factory, from_global_id(new_id)[1])
    assert (stored["status"], stored["paused_at"], stored["pause_count"]) == (
        FocusStatus.ABANDONED,
        None,
        1,
    )
    assert (await data(client, ACTIVE, account))["activeFocusSession"] is None
    await refused_unchanged(client, session_factory, account, ABANDON, new_id)


async def test_someone_elses_or_unknown_session_is_not_found(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, other: Account
) -> None:
    sid = (await mutate(client, START, account))["focusSession"]["id"]
    for mutation in (PAUSE, RESUME, COMPLETE, ABANDON):
        await refused_unchanged(client, session_factory, other, mutation, sid, code="NOT_FOUND")
    unknown = to_global_id("FocusSession", uuid.uuid4())
    wrong_type = to_global_id("Task", from_global_id(sid)[1])
    for bad_id in (unknown, wrong_type, "not-an-id"):
        payload = await mutate(client, COMPLETE, account, {"id": bad_id})
        assert (payload["focusSession"], error_list(payload)) == (None, [("NOT_FOUND", "id")])
    assert (await data(client, ACTIVE, account))["activeFocusSession"]["status"] == "ACTIVE"


# ---------------------------------------------------------------------------------------------
# 5. distractions
# ---------------------------------------------------------------------------------------------


async def test_log_distraction_without_open_session(
    client: httpx.AsyncClient, session_factory: Factory, account: Account
) -> None:
    payload = await mutate(client, DISTRACTION, account, {"kind": "PERSON"})
    assert (payload["focusSession"], error_list(payload)) == (None, [("NO_ACTIVE_SESSION", None)])

    sid = (await mutate(client, START, account))["focusSession"]["id"]
    assert (await mutate(client, COMPLETE, account, {"id": sid}))["errors"] == []
    payload = await mutate(client, DISTRACTION, account, {"kind": "APP"})
    assert error_list(payload) == [("NO_ACTIVE_SESSION", None)]

    user_id = from_global_id(account.id)[1]
    assert await count_rows(session_factory, Distraction, user_id) == 0
    assert (await stored_session(session_factory, from_global_id(sid)[1]))["distraction_count"] == 0


async def test_log_distraction_counts_against_the_open_session(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, other: Account
) -> None:
    sid = (await mutate(client, START, account))["focusSession"]["id"]
    first = await mutate(
        client, DISTRACTION, account, {"kind": "WEBSITE", "label": "  news \n site  "}
    )
    assert first["errors"] == []
    assert (first["focusSession"]["id"], first["focusSession"]["distractionCount"]) == (sid, 1)
    # Counted while paused too: the session is still open.
    assert (await mutate(client, PAUSE, account, {"id": sid}))["errors"] == []
    second = await mutate(client, DISTRACTION, account, {"kind": "NOTIFICATION"})
    assert second["focusSession"]["distractionCount"] == 2
    # Another user's distraction is theirs alone.
    assert error_list(await mutate(client, DISTRACTION, other, {"kind": "APP"})) == [
        ("NO_ACTIVE_SESSION", None)
    ]

    user_id = from_global_id(account.id)[1]
    async with session_factory() as session:
        logged = list(
            await session.scalars(
                select(Distraction)
                .where(Distraction.user_id == user_id)
                .order_by(Distraction.occurred_at, Distraction.id)
            )
        )
    assert [(d.session_id, d.kind, d.label) for d in logged] == [
        (from_global_id(sid)[1], DistractionKind.WEBSITE, "news site"),
        (from_global_id(sid)[1], DistractionKind.NOTIFICATION, None),
    ]
    stored = await stored_session(session_factory, from_global_id(sid)[1])
    assert stored["distraction_count"] == 2


# ---------------------------------------------------------------------------------------------
# 6. sessions on tasks and planned minutes
# ---------------------------------------------------------------------------------------------


async def create_task(client: httpx.AsyncClient, account: Account, title: str = "Read") -> str:
    payload = await mutate(client, CREATE_TASK, account, {"title": title})
    assert payload["errors"] == []
    assert payload["task"]["status"] == "PENDING"
    return str(payload["task"]["id"])


async def test_start_on_a_task_makes_it_in_progress(
    client: httpx.AsyncClient, session_factory: Factory, account: Account
) -> None:
    task_id = await create_task(client, account)
    payload = await mutate(client, START, account, {"taskId": task_id, "minutes": 30})
    assert payload["errors"] == []
    assert payload["focusSession"]["task"] == {"id": task_id, "status": "IN_PROGRESS"}
    assert payload["focusSession"]["plannedMinutes"] == 30
    stored = await stored_task(session_factory, from_global_id(task_id)[1])
    assert stored.status == TaskStatus.IN_PROGRESS


async def test_start_on_someone_elses_task_is_not_found(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, other: Account
) -> None:
    task_id = await create_task(client, other)
    unknown = to_global_id("Task", uuid.uuid4())
    for bad in (task_id, unknown, to_global_id("Goal", from_global_id(task_id)[1])):
        payload = await mutate(client, START, account, {"taskId": bad})
        assert (payload["focusSession"], error_list(payload)) == (None, [("NOT_FOUND", "taskId")])
    assert await count_rows(session_factory, FocusSession, from_global_id(account.id)[1]) == 0
    stored = await stored_task(session_factory, from_global_id(task_id)[1])
    assert stored.status == TaskStatus.PENDING


async def test_start_on_a_finished_task_is_refused(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, viewer: Viewer
) -> None:
    task_id = await create_task(client, account)
    await task_rules.complete_task(
        session_factory, viewer, from_global_id(task_id)[1], 10, now=utcnow()
    )
    payload = await mutate(client, START, account, {"taskId": task_id})
    assert error_list(payload) == [("TASK_FINISHED", "taskId")]
    assert await count_rows(session_factory, FocusSession, viewer.user_id) == 0


@pytest.mark.parametrize("minutes", [-1, 0, 3, 4, 241, 500])
async def test_planned_minutes_out_of_range(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, minutes: int
) -> None:
    task_id = await create_task(client, account)
    payload = await mutate(client, START, account, {"minutes": minutes, "taskId": task_id})
    assert (payload["focusSession"], error_list(payload)) == (
        None,
        [("INVALID_MINUTES", "plannedMinutes")],
    )
    assert await count_rows(session_factory, FocusSession, from_global_id(account.id)[1]) == 0
    stored = await stored_task(session_factory, from_global_id(task_id)[1])
    assert stored.status == TaskStatus.PENDING


@pytest.mark.parametrize("minutes", [5, 240])
async def test_planned_minutes_bounds_are_accepted(
    client: httpx.AsyncClient, account: Account, minutes: int
) -> None:
    payload = await mutate(client, START, account, {"minutes": minutes})
    assert payload["errors"] == []
    assert payload["focusSession"]["plannedMinutes"] == minutes


async def test_planned_minutes_default_to_25(client: httpx.AsyncClient, account: Account) -> None:
    payload = await mutate(client, "mutation { startFocusSession { " + PAYLOAD + " } }", account)
    assert payload["focusSession"]["plannedMinutes"] == 25


# ---------------------------------------------------------------------------------------------
# 7. a task's actual minutes from its focus sessions
# ---------------------------------------------------------------------------------------------


async def test_completing_a_task_uses_its_focused_minutes(
    session_factory: Factory, viewer: Viewer
) -> None:
    task = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Read", estimated_minutes=30)
    )
    # Abandoned on the task: 40 minutes that do not count.
    await run_session(
        session_factory, viewer, T0, end_after=40, ending=FocusStatus.ABANDONED, task_id=task.id
    )
    # 35 minutes with a 10-minute pause: 25 focused.
    await run_session(
        session_factory, viewer, T0 + 60 * MINUTE, pauses=[(10, 20)], end_after=35, task_id=task.id
    )
    # Another task's session does not count either.
    elsewhere = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Write", estimated_minutes=30)
    )
    await run_session(
        session_factory, viewer, T0 + 120 * MINUTE, end_after=15, task_id=elsewhere.id
    )

    completion = await task_rules.complete_task(
        session_factory, viewer, task.id, None, now=T0 + 3 * 60 * MINUTE
    )
    assert (completion.task.status, completion.task.actual_minutes) == (TaskStatus.COMPLETED, 25)
    assert completion.timeliness == Timeliness.NO_DUE_DATE
    stored = await stored_task(session_factory, task.id)
    assert (stored.status, stored.actual_minutes, stored.finished_at) == (
        TaskStatus.COMPLETED,
        25,
        T0 + 3 * 60 * MINUTE,
    )


async def test_focused_minutes_of_several_sessions_add_up(
    session_factory: Factory, viewer: Viewer
) -> None:
    task = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Read", estimated_minutes=30)
    )
    await run_session(session_factory, viewer, T0, end_after=25, task_id=task.id)
    await run_session(
        session_factory, viewer, T0 + 60 * MINUTE, pauses=[(5, 15)], end_after=30, task_id=task.id
    )
    completion = await task_rules.complete_task(
        session_factory, viewer, task.id, None, now=T0 + 3 * 60 * MINUTE
    )
    assert completion.task.actual_minutes == 45


async def test_task_without_focus_sessions_uses_the_estimate_and_given_minutes_win(
    session_factory: Factory, viewer: Viewer
) -> None:
    plain = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Read", estimated_minutes=30)
    )
    done = await task_rules.complete_task(session_factory, viewer, plain.id, None, now=T0)
    assert done.task.actual_minutes == 30

    focused = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Write", estimated_minutes=30)
    )
    await run_session(session_factory, viewer, T0, end_after=25, task_id=focused.id)
    given = await task_rules.complete_task(
        session_factory, viewer, focused.id, 70, now=T0 + 60 * MINUTE
    )
    assert given.task.actual_minutes == 70


# ---------------------------------------------------------------------------------------------
# 8. blocked sites
# ---------------------------------------------------------------------------------------------


async def add_site(client: httpx.AsyncClient, account: Account, pattern: str) -> dict[str, Any]:
    payload = await mutate(client, ADD_SITE, account, {"pattern": pattern})
    assert payload["errors"] == [], payload
    return dict(payload["blockedSite"])


async def sites_of(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    return list((await data(client, SITES, account))["blockedSites"])


async def test_add_blocked_site_cleans_the_pattern(
    client: httpx.AsyncClient, session_factory: Factory, account: Account
) -> None:
    site = await add_site(client, account, "https://www.Example.com/path")
    assert (site["pattern"], site["active"]) == ("www.example.com", True)
    assert from_global_id(site["id"])[0] == "BlockedSite"
    assert (await add_site(client, account, "*.reddit.com"))["pattern"] == "*.reddit.com"
    assert (await add_site(client, account, "  HTTP://News.ORG  "))["pattern"] == "news.org"

    user_id = from_global_id(account.id)[1]
    async with session_factory() as session:
        stored = await session.get(BlockedSite, from_global_id(site["id"])[1])
    assert stored is not None
    assert (stored.user_id, stored.pattern, stored.active) == (user_id, "www.example.com", True)


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        ("www.example.com", "SITE_ALREADY_BLOCKED"),
        ("http://WWW.EXAMPLE.COM/other", "SITE_ALREADY_BLOCKED"),
        ("not a host", "INVALID_SITE_PATTERN"),
        ("", "INVALID_SITE_PATTERN"),
        ("localhost", "INVALID_SITE_PATTERN"),
        ("*.", "INVALID_SITE_PATTERN"),
        ("ex*ample.com", "INVALID_SITE_PATTERN"),
    ],
)
async def test_add_blocked_site_refusals_change_nothing(
    client: httpx.AsyncClient,
    session_factory: Factory,
    account: Account,
    pattern: str,
    code: str,
) -> None:
    kept = await add_site(client, account, "www.example.com")
    payload = await mutate(client, ADD_SITE, account, {"pattern": pattern})
    assert (payload["blockedSite"], error_list(payload)) == (None, [(code, "pattern")])
    assert await sites_of(client, account) == [kept]
    assert await count_rows(session_factory, BlockedSite, from_global_id(account.id)[1]) == 1


async def test_the_same_site_for_two_users(
    client: httpx.AsyncClient, account: Account, other: Account
) -> None:
    mine = await add_site(client, account, "example.com")
    theirs = await add_site(client, other, "example.com")
    assert mine["id"] != theirs["id"]
    assert await sites_of(client, account) == [mine]
    assert await sites_of(client, other) == [theirs]


async def test_blocked_sites_are_listed_by_pattern(
    client: httpx.AsyncClient, account: Account
) -> None:
    for pattern in ("zeta.org", "www.example.com", "*.reddit.com", "alpha.io"):
        await add_site(client, account, pattern)
    assert [site["pattern"] for site in await sites_of(client, account)] == [
        "*.reddit.com",
        "alpha.io",
        "www.example.com",
        "zeta.org",
    ]


async def test_toggle_blocked_site(client: httpx.AsyncClient, account: Account) -> None:
    site = await add_site(client, account, "example.com")

    async def toggle(active: bool | None) -> bool:
        payload = await mutate(client, TOGGLE_SITE, account, {"id": site["id"], "active": active})
        assert payload["errors"] == []
        assert payload["blockedSite"]["id"] == site["id"]
        return bool(payload["blockedSite"]["active"])

    assert await toggle(None) is False
    assert await sites_of(client, account) == [{**site, "active": False}]
    assert await toggle(None) is True
    assert await toggle(True) is True
    assert await toggle(True) is True
    assert await toggle(False) is False
    assert await toggle(False) is False
    assert await toggle(True) is True
    assert await sites_of(client, account) == [site]


async def test_remove_blocked_site(client: httpx.AsyncClient, account: Account) -> None:
    kept = await add_site(client, account, "alpha.io")
    gone = await add_site(client, account, "example.com")
    payload = await mutate(client, REMOVE_SITE, account, {"id": gone["id"]})
    assert payload == {"removedBlockedSiteId": gone["id"], "errors": []}
    assert await sites_of(client, account) == [kept]
    again = await mutate(client, REMOVE_SITE, account, {"id": gone["id"]})
    assert (again["removedBlockedSiteId"], error_list(again)) == (None, [("NOT_FOUND", "id")])
    toggled = await mutate(client, TOGGLE_SITE, account, {"id": gone["id"]})
    assert (toggled["blockedSite"], error_list(toggled)) == (None, [("NOT_FOUND", "id")])
    # Once removed it can be added again.
    assert (await add_site(client, account, "example.com"))["id"] != gone["id"]


async def test_someone_elses_site_is_not_found(
    client: httpx.AsyncClient, account: Account, other: Account
) -> None:
    mine = await add_site(client, account, "example.com")
    before = await sites_of(client, account)
    for active in (None, True, False):
        toggled = await mutate(client, TOGGLE_SITE, other, {"id": mine["id"], "active": active})
        assert (toggled["blockedSite"], error_list(toggled)) == (None, [("NOT_FOUND", "id")])
    removed = await mutate(client, REMOVE_SITE, other, {"id": mine["id"]})
    assert (removed["removedBlockedSiteId"], error_list(removed)) == (None, [("NOT_FOUND", "id")])
    assert await sites_of(client, account) == before == [mine]
    assert await sites_of(client, other) == []
    # An id of another type is no site either.
    wrong_type = to_global_id("FocusSession", from_global_id(mine["id"])[1])
    removed = await mutate(client, REMOVE_SITE, account, {"id": wrong_type})
    assert error_list(removed) == [("NOT_FOUND", "id")]
    assert await sites_of(client, account) == [mine]


# ---------------------------------------------------------------------------------------------
# 9. the focusSessions connection
# ---------------------------------------------------------------------------------------------


async def test_focus_sessions_pages(
    client: httpx.AsyncClient,
    session_factory: Factory,
    account: Account,
    other: Account,
    viewer: Viewer,
) -> None:
    made: list[FocusSession] = []
    for n in range(5):
        ending = FocusStatus.ABANDONED if n == 2 else FocusStatus.COMPLETED
        made.append(
            await run_session(
                session_factory, viewer, T0 + n * 60 * MINUTE, end_after=30, ending=ending
            )
        )
    await run_session(session_factory, viewer_of(other), T0, end_after=30)
    expected = [to_global_id("FocusSession", s.id) for s in made]

    seen: list[str] = []
    pages: list[tuple[bool, bool]] = []
    after: str | None = None
    while True:
        page = (await data(client, SESSIONS_PAGE, account, {"first": 2, "after": after}))[
            "focusSessions"
        ]
        info = page["pageInfo"]
        edges = page["edges"]
        seen += [edge["node"]["id"] for edge in edges]
        pages.append((info["hasNextPage"], info["hasPreviousPage"]))
        assert (info["startCursor"], info["endCursor"]) == (edges[0]["cursor"], edges[-1]["cursor"])
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == expected
    assert pages == [(True, False), (True, True), (False, True)]

    abandoned = await data(client, SESSIONS_PAGE, account, {"first": 10, "status": ["ABANDONED"]})
    assert [edge["node"] for edge in abandoned["focusSessions"]["edges"]] == [
        {"id": expected[2], "status": "ABANDONED"}
    ]
    assert abandoned["focusSessions"]["pageInfo"]["hasNextPage"] is False


async def test_empty_focus_sessions_page(client: httpx.AsyncClient, account: Account) -> None:
    page = (await data(client, SESSIONS_PAGE, account, {"first": 2}))["focusSessions"]
    assert page == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_focus_sessions_page_size_is_checked(
    client: httpx.AsyncClient, account: Account, first: int
) -> None:
    for query, variables in (
        (SESSIONS_PAGE, {"first": first}),
        (f"{{ focusSessions(first: {first}) {{ edges {{ cursor }} }} }}", None),
    ):
        response = await post(client, query, variables, headers=account.headers)
        body = response.json()
        assert [error["extensions"]["code"] for error in body["errors"]] == ["INVALID_PAGE_SIZE"]
        assert body.get("data") is None


async def test_focus_sessions_bad_cursor(client: httpx.AsyncClient, account: Account) -> None:
    result = await gql(client, SESSIONS_PAGE, {"first": 2, "after": "garbage"}, account)
    assert [error["extensions"]["code"] for error in result["errors"]] == ["INVALID_CURSOR"]


# ---------------------------------------------------------------------------------------------
# 10. concurrent changes to one session or site
#
# Every racing call reads before any commits: a transition must not overwrite one that
# committed meanwhile, counters must not lose increments, duplicates are refused cleanly.
# ---------------------------------------------------------------------------------------------


async def test_concurrent_completions_complete_once(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    session = await focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0)
    commits_wait_for(2)
    results = await asyncio.gather(
        *(
            focus_rules.complete_focus_session(
                session_factory, viewer, session.id, now=T0 + minutes * MINUTE
            )
            for minutes in (30, 40)
        ),
        return_exceptions=True,
    )
    # Every success publishes FocusSessionCompleted: it must happen once.
    assert outcome_codes(results) == ["INVALID_SESSION_STATE", "OK"]


async def test_concurrent_pause_and_complete_leave_a_consistent_session(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    session = await focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0)
    commits_wait_for(2)
    results = await asyncio.gather(
        focus_rules.pause_focus_session(session_factory, viewer, session.id, now=T0 + MINUTE),
        focus_rules.complete_focus_session(
            session_factory, viewer, session.id, now=T0 + 2 * MINUTE
        ),
        return_exceptions=True,
    )
    # One of the two goes first and the other is decided on its result: a pause that wins
    # is counted by the completion; a completion that wins leaves nothing to pause.
    stored = await stored_session(session_factory, session.id)
    assert (stored["status"], stored["ended_at"], stored["paused_at"]) == (
        FocusStatus.COMPLETED,
        T0 + 2 * MINUTE,
        None,
    )
    if outcome_codes(results) == ["OK", "OK"]:
        assert (stored["pause_count"], stored["paused_seconds"]) == (1, 60)
    else:
        assert outcome_codes(results) == ["INVALID_SESSION_STATE", "OK"]
        assert (stored["pause_count"], stored["paused_seconds"]) == (0, 0)


async def test_concurrent_distractions_are_all_counted(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    session = await focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0)
    commits_wait_for(3)
    await asyncio.gather(
        *(
            focus_rules.log_distraction(
                session_factory, viewer, DistractionKind.APP, None, now=T0 + MINUTE
            )
            for _ in range(3)
        )
    )
    assert await count_rows(session_factory, Distraction, viewer.user_id) == 3
    assert (await stored_session(session_factory, session.id))["distraction_count"] == 3


async def test_concurrent_duplicate_sites_are_refused_as_duplicates(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    commits_wait_for(2)
    results = await asyncio.gather(
        *(
            blocked_site_rules.add_blocked_site(session_factory, viewer, "example.com")
            for _ in range(2)
        ),
        return_exceptions=True,
    )
    assert outcome_codes(results) == ["OK", "SITE_ALREADY_BLOCKED"]
    assert await count_rows(session_factory, BlockedSite, viewer.user_id) == 1
