"""Focus sessions through the API, as clients use them: one open session per user, the
session state machine, distractions, sessions on tasks and their planned minutes, and the
focusSessions connection.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from core.errors import UserInputError
from core.ids import from_global_id, to_global_id
from db.base import utcnow
from db.models.focus import Distraction, DistractionKind, FocusSession, FocusStatus
from db.models.goals import TaskStatus
from resolvers import focus as focus_rules
from resolvers import tasks as task_rules
from resolvers.access import Viewer
from tests.accounts import Account, viewer_of
from tests.focus_helpers import (
    MINUTE,
    T0,
    Factory,
    count_rows,
    data,
    error_list,
    run_session,
    stored_session,
    stored_task,
)
from tests.graphql import error_codes, post
from tests.study_api import create_task, mutate, pause_focus_session, start_focus_session

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
SESSIONS_PAGE = """
query ($first: Int!, $after: String, $status: [FocusStatus!]) {
  focusSessions(first: $first, after: $after, status: $status) {
    edges { cursor node { id status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

# ---------------------------------------------------------------------------------------------
# one open session per user (racing starts: test_focus_races.py)
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
    payload = await mutate(client, account, START)
    assert payload["focusSession"] is None
    assert error_list(payload) == [("FOCUS_SESSION_ACTIVE", None)]
    assert await count_rows(session_factory, FocusSession, viewer.user_id) == 1


async def test_each_user_has_their_own_open_session(
    client: httpx.AsyncClient, account: Account, other: Account
) -> None:
    mine = await mutate(client, account, START)
    theirs = await mutate(client, other, START)
    assert (mine["errors"], theirs["errors"]) == ([], [])
    assert mine["focusSession"]["id"] != theirs["focusSession"]["id"]


# ---------------------------------------------------------------------------------------------
# the session state machine
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
    payload = await mutate(client, account, mutation, id=session_id)
    assert payload["focusSession"] is None
    assert error_list(payload) == [(code, "id")]
    assert await stored_session(session_factory, local) == before


async def test_session_state_machine(
    client: httpx.AsyncClient, session_factory: Factory, account: Account
) -> None:
    started = await mutate(client, account, START, minutes=50)
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

    # An active session cannot be resumed.
    await refused_unchanged(client, session_factory, account, RESUME, sid)

    paused = await mutate(client, account, PAUSE, id=sid)
    assert (paused["errors"], paused["focusSession"]["status"]) == ([], "PAUSED")
    assert paused["focusSession"]["pauseCount"] == 1
    # A paused session cannot be paused again.
    await refused_unchanged(client, session_factory, account, PAUSE, sid)
    assert (await data(client, account, ACTIVE))["activeFocusSession"]["status"] == "PAUSED"

    resumed = await mutate(client, account, RESUME, id=sid)
    assert (resumed["errors"], resumed["focusSession"]["status"]) == ([], "ACTIVE")
    assert resumed["focusSession"]["pauseCount"] == 1

    completed = await mutate(client, account, COMPLETE, id=sid)
    assert completed["errors"] == []
    assert completed["focusSession"]["status"] == "COMPLETED"
    assert completed["focusSession"]["endedAt"] is not None
    # An ended session cannot change any more.
    for mutation in (COMPLETE, ABANDON, PAUSE, RESUME):
        await refused_unchanged(client, session_factory, account, mutation, sid)
    assert (await data(client, account, ACTIVE))["activeFocusSession"] is None

    # A new session may start, and be abandoned while paused.
    again = await mutate(client, account, START)
    assert again["errors"] == []
    new_id = again["focusSession"]["id"]
    assert new_id != sid
    assert (await data(client, account, ACTIVE))["activeFocusSession"]["id"] == new_id
    await pause_focus_session(client, account, new_id)
    abandoned = await mutate(client, account, ABANDON, id=new_id)
    assert abandoned["errors"] == []
    assert abandoned["focusSession"]["status"] == "ABANDONED"
    assert abandoned["focusSession"]["endedAt"] is not None
    stored = await stored_session(session_factory, from_global_id(new_id)[1])
    assert (stored["status"], stored["paused_at"], stored["pause_count"]) == (
        FocusStatus.ABANDONED,
        None,
        1,
    )
    assert (await data(client, account, ACTIVE))["activeFocusSession"] is None
    await refused_unchanged(client, session_factory, account, ABANDON, new_id)


async def test_someone_elses_or_unknown_session_is_not_found(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, other: Account
) -> None:
    sid = await start_focus_session(client, account)
    for mutation in (PAUSE, RESUME, COMPLETE, ABANDON):
        await refused_unchanged(client, session_factory, other, mutation, sid, code="NOT_FOUND")
    unknown = to_global_id("FocusSession", uuid.uuid4())
    wrong_type = to_global_id("Task", from_global_id(sid)[1])
    for bad_id in (unknown, wrong_type, "not-an-id"):
        payload = await mutate(client, account, COMPLETE, id=bad_id)
        assert (payload["focusSession"], error_list(payload)) == (None, [("NOT_FOUND", "id")])
    assert (await data(client, account, ACTIVE))["activeFocusSession"]["status"] == "ACTIVE"


# ---------------------------------------------------------------------------------------------
# distractions
# ---------------------------------------------------------------------------------------------


async def test_log_distraction_without_open_session(
    client: httpx.AsyncClient, session_factory: Factory, account: Account
) -> None:
    payload = await mutate(client, account, DISTRACTION, kind="PERSON")
    assert (payload["focusSession"], error_list(payload)) == (None, [("NO_ACTIVE_SESSION", None)])

    sid = await start_focus_session(client, account)
    assert (await mutate(client, account, COMPLETE, id=sid))["errors"] == []
    payload = await mutate(client, account, DISTRACTION, kind="APP")
    assert error_list(payload) == [("NO_ACTIVE_SESSION", None)]

    user_id = from_global_id(account.id)[1]
    assert await count_rows(session_factory, Distraction, user_id) == 0
    assert (await stored_session(session_factory, from_global_id(sid)[1]))["distraction_count"] == 0


async def test_log_distraction_counts_against_the_open_session(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, other: Account
) -> None:
    sid = await start_focus_session(client, account)
    first = await mutate(client, account, DISTRACTION, kind="WEBSITE", label="  news \n site  ")
    assert first["errors"] == []
    assert (first["focusSession"]["id"], first["focusSession"]["distractionCount"]) == (sid, 1)
    # Counted while paused too: the session is still open.
    await pause_focus_session(client, account, sid)
    second = await mutate(client, account, DISTRACTION, kind="NOTIFICATION")
    assert second["focusSession"]["distractionCount"] == 2
    # Another user's distraction is theirs alone.
    assert error_list(await mutate(client, other, DISTRACTION, kind="APP")) == [
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
# sessions on tasks and planned minutes
# ---------------------------------------------------------------------------------------------


async def test_start_on_a_task_makes_it_in_progress(
    client: httpx.AsyncClient, session_factory: Factory, account: Account
) -> None:
    task_id = await create_task(client, account)
    before = await stored_task(session_factory, from_global_id(task_id)[1])
    assert before.status == TaskStatus.PENDING
    payload = await mutate(client, account, START, taskId=task_id, minutes=30)
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
        payload = await mutate(client, account, START, taskId=bad)
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
    payload = await mutate(client, account, START, taskId=task_id)
    assert error_list(payload) == [("TASK_FINISHED", "taskId")]
    assert await count_rows(session_factory, FocusSession, viewer.user_id) == 0


@pytest.mark.parametrize("minutes", [-1, 0, 3, 4, 241, 500])
async def test_planned_minutes_out_of_range(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, minutes: int
) -> None:
    task_id = await create_task(client, account)
    payload = await mutate(client, account, START, minutes=minutes, taskId=task_id)
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
    payload = await mutate(client, account, START, minutes=minutes)
    assert payload["errors"] == []
    assert payload["focusSession"]["plannedMinutes"] == minutes


async def test_planned_minutes_default_to_25(client: httpx.AsyncClient, account: Account) -> None:
    payload = await mutate(client, account, "mutation { startFocusSession { " + PAYLOAD + " } }")
    assert payload["focusSession"]["plannedMinutes"] == 25


# ---------------------------------------------------------------------------------------------
# the focusSessions connection
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
        page = (await data(client, account, SESSIONS_PAGE, first=2, after=after))["focusSessions"]
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

    abandoned = await data(client, account, SESSIONS_PAGE, first=10, status=["ABANDONED"])
    assert [edge["node"] for edge in abandoned["focusSessions"]["edges"]] == [
        {"id": expected[2], "status": "ABANDONED"}
    ]
    assert abandoned["focusSessions"]["pageInfo"]["hasNextPage"] is False


async def test_empty_focus_sessions_page(client: httpx.AsyncClient, account: Account) -> None:
    page = (await data(client, account, SESSIONS_PAGE, first=2))["focusSessions"]
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
        assert error_codes(response) == ["INVALID_PAGE_SIZE"]
        assert response.json().get("data") is None


async def test_focus_sessions_bad_cursor(client: httpx.AsyncClient, account: Account) -> None:
    response = await post(
        client, SESSIONS_PAGE, {"first": 2, "after": "garbage"}, headers=account.headers
    )
    assert error_codes(response) == ["INVALID_CURSOR"]
