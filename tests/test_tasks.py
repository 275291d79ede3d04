"""Tasks: bad input, the dependency graph, completing and skipping, and the events they publish."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.domain_events import subscribe, unsubscribe
from core.errors import UserInputError
from core.ids import from_global_id
from core.unit_of_work import UnitOfWork
from db.models.goals import Task, Timeliness
from resolvers import tasks
from resolvers.study_events import TaskCompleted
from tests.accounts import Account, gql, register, viewer_of
from tests.study_api import CREATE_TASK, UPDATE_TASK, create_goal, create_task, mutate

TASK = "query ($id: ID!) { task(id: $id) { title status estimatedMinutes dependsOn { id } } }"
COMPLETE = """
mutation ($id: ID!, $minutes: Int) {
  completeTask(id: $id, actualMinutes: $minutes) {
    task { status actualMinutes } timeliness errors { code field }
  }
}
"""


async def task_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Task)) or 0)


async def read(client: httpx.AsyncClient, account: Account, task_id: str) -> dict[str, object]:
    result = await gql(client, TASK, {"id": task_id}, account=account)
    return dict(result["data"]["task"])


async def test_bad_task_input_creates_nothing(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    me, other = await register(client), await register(client)
    their_goal = await create_goal(client, other)
    their_task = await create_task(client, other)
    long_ago = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    cases: list[tuple[dict[str, object], str, str]] = [
        ({"title": ""}, "EMPTY_TITLE", "title"),
        ({"estimatedMinutes": -5}, "INVALID_MINUTES", "estimatedMinutes"),
        ({"estimatedMinutes": 0}, "INVALID_MINUTES", "estimatedMinutes"),
        ({"estimatedMinutes": 1441}, "INVALID_MINUTES", "estimatedMinutes"),
        ({"dueAt": long_ago}, "DUE_DATE_IN_PAST", "dueAt"),
        ({"goalId": their_goal}, "NOT_FOUND", "goalId"),
        ({"goalId": "not-an-id"}, "NOT_FOUND", "goalId"),
        ({"dependsOn": [their_task]}, "NOT_FOUND", "dependsOn"),
    ]
    for fields, code, field in cases:
        payload = await mutate(
            client, me, CREATE_TASK, input={"title": "Read", "estimatedMinutes": 30} | fields
        )
        assert payload == {"task": None, "errors": [{"code": code, "field": field}]}, fields
    assert await task_count(db) == 1  # only the other user's


async def test_dependency_cycles_are_refused(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    me = await register(client)
    a = await create_task(client, me, title="A")
    b = await create_task(client, me, title="B", dependsOn=[a])
    c = await create_task(client, me, title="C", dependsOn=[b])

    for task_id, depends_on in ((a, [c]), (a, [b]), (b, [b]), (a, [a, c])):
        payload = await mutate(
            client, me, UPDATE_TASK, id=task_id, input={"dependsOn": depends_on, "title": "Z"}
        )
        assert payload == {
            "task": None,
            "errors": [{"code": "DEPENDENCY_CYCLE", "field": "dependsOn"}],
        }
    assert await read(client, me, a) == {
        "title": "A",
        "status": "PENDING",
        "estimatedMinutes": 30,
        "dependsOn": [],
    }
    assert (await read(client, me, c))["dependsOn"] == [{"id": b}]
    # Not a cycle: C may also depend on A directly.
    allowed = await mutate(client, me, UPDATE_TASK, id=c, input={"dependsOn": [a, b]})
    assert allowed["errors"] == []
    assert allowed["task"]["dependsOn"] == [{"id": a}, {"id": b}]


async def test_a_task_others_depend_on_is_deleted_only_when_asked(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    me = await register(client)
    base = await create_task(client, me, title="Base")
    follower = await create_task(client, me, title="Follower", dependsOn=[base])
    delete = """
    mutation ($id: ID!, $detach: Boolean!) {
      deleteTask(id: $id, detachDependents: $detach) { deletedTaskId errors { code field } }
    }
    """
    refused = await mutate(client, me, delete, id=base, detach=False)
    assert refused == {
        "deletedTaskId": None,
        "errors": [{"code": "HAS_DEPENDENTS", "field": "id"}],
    }
    assert (await read(client, me, base))["title"] == "Base"
    deleted = await mutate(client, me, delete, id=base, detach=True)
    assert deleted == {"deletedTaskId": base, "errors": []}
    assert (await read(client, me, follower))["dependsOn"] == []
    assert await task_count(db) == 1


async def test_complete_records_minutes_and_timeliness_once(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    me = await register(client)
    task_id = await create_task(client, me, estimatedMinutes=45)
    done = await mutate(client, me, COMPLETE, id=task_id, minutes=50)
    assert done == {
        "task": {"status": "COMPLETED", "actualMinutes": 50},
        "timeliness": "NO_DUE_DATE",
        "errors": [],
    }
    again = await mutate(client, me, COMPLETE, id=task_id, minutes=10)
    assert again["errors"] == [{"code": "TASK_FINISHED", "field": "id"}]
    negative = await mutate(client, me, COMPLETE, id=await create_task(client, me), minutes=-1)
    assert negative["errors"] == [{"code": "INVALID_MINUTES", "field": "actualMinutes"}]


@pytest.mark.parametrize(
    ("finished_after_creation", "expected"),
    [
        (timedelta(hours=1), Timeliness.EARLY),
        (timedelta(days=2, hours=12), Timeliness.ON_TIME),
        (timedelta(days=3, seconds=1), Timeliness.LATE),
    ],
)
async def test_timeliness_against_the_due_time(
    client: httpx.AsyncClient,
    session_factory: async_sessionmaker[AsyncSession],
    finished_after_creation: timedelta,
    expected: Timeliness,
) -> None:
    me = await register(client)
    start = datetime.now(UTC).replace(microsecond=0)
    task_id = await create_task(client, me, dueAt=(start + timedelta(days=3)).isoformat())
    completion = await tasks.complete_task(
        session_factory,
        viewer_of(me),
        from_global_id(task_id)[1],
        20,
        now=start + finished_after_creation,
    )
    assert completion.timeliness == expected
    assert completion.task.timeliness == expected
    assert completion.task.actual_minutes == 20


async def test_open_dependencies_block_completion(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    me = await register(client)
    first = await create_task(client, me, title="First")
    second = await create_task(client, me, title="Second", dependsOn=[first])
    blocked = await mutate(client, me, COMPLETE, id=second)
    assert blocked["errors"] == [{"code": "DEPENDENCIES_OPEN", "field": "id"}]
    assert (await read(client, me, second))["status"] == "PENDING"
    skipped = await mutate(
        client,
        me,
        'mutation ($id: ID!) { skipTask(id: $id, reason: "Known") '
        "{ task { status skipReason } errors { code } } }",
        id=first,
    )
    assert skipped == {"task": {"status": "SKIPPED", "skipReason": "Known"}, "errors": []}
    assert (await mutate(client, me, COMPLETE, id=second))["errors"] == []


@pytest.fixture
async def completions() -> AsyncIterator[list[TaskCompleted]]:
    """Events seen by a subscriber, as gamification and replanning will see them."""
    seen: list[TaskCompleted] = []

    async def record(_uow: UnitOfWork, event: TaskCompleted) -> None:
        seen.append(event)

    subscribe(TaskCompleted, record)
    yield seen
    unsubscribe(TaskCompleted, record)


async def test_completion_hands_off_through_an_event(
    client: httpx.AsyncClient, db: AsyncEngine, completions: list[TaskCompleted]
) -> None:
    me = await register(client)
    goal_id = await create_goal(client, me)
    task_id = await create_task(client, me, goalId=goal_id, estimatedMinutes=40, difficulty="HARD")
    await mutate(client, me, COMPLETE, id=task_id, minutes=35)
    assert len(completions) == 1
    event = completions[0]
    assert (
        event.user_id,
        event.task_id,
        event.goal_id,
        event.estimated_minutes,
        event.actual_minutes,
        event.difficulty,
        event.timeliness,
    ) == (
        from_global_id(me.id)[1],
        from_global_id(task_id)[1],
        from_global_id(goal_id)[1],
        40,
        35,
        "HARD",
        Timeliness.NO_DUE_DATE,
    )


async def test_a_failing_subscriber_rolls_the_completion_back(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    me = await register(client)
    task_id = await create_task(client, me)

    async def broken(_uow: UnitOfWork, _event: TaskCompleted) -> None:
        raise RuntimeError("ledger unavailable")

    subscribe(TaskCompleted, broken)
    try:
        result = await gql(client, COMPLETE, {"id": task_id}, account=me)
    finally:
        unsubscribe(TaskCompleted, broken)
    assert result["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert (await read(client, me, task_id))["status"] == "PENDING"


async def test_concurrent_completions_complete_once(
    client: httpx.AsyncClient,
    session_factory: async_sessionmaker[AsyncSession],
    completions: list[TaskCompleted],
) -> None:
    me = await register(client)
    task_id = from_global_id(await create_task(client, me))[1]
    outcomes = await asyncio.gather(
        *(tasks.complete_task(session_factory, viewer_of(me), task_id, 30) for _ in range(20)),
        return_exceptions=True,
    )
    succeeded = [o for o in outcomes if isinstance(o, tasks.Completion)]
    refused = [o for o in outcomes if isinstance(o, UserInputError)]
    assert (len(succeeded), len(refused)) == (1, 19), outcomes
    assert {e.code for e in refused} == {"TASK_FINISHED"}
    assert len(completions) == 1


async def test_task_filters_and_due_order(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    me = await register(client)
    exam = await create_goal(client, me, category="EXAM")
    skill = await create_goal(client, me, category="SKILL")
    now = datetime.now(UTC).replace(microsecond=0)
    due = {name: (now + timedelta(days=days)).isoformat() for name, days in (("d2", 2), ("d5", 5))}
    await create_task(client, me, title="no due", goalId=exam)
    await create_task(client, me, title="in 5 days", goalId=skill, dueAt=due["d5"])
    done = await create_task(client, me, title="in 2 days", goalId=exam, dueAt=due["d2"])
    await mutate(client, me, COMPLETE, id=done)

    async def titles(variables: dict[str, object]) -> list[str]:
        query = """
        query ($filter: TaskFilter, $order: TaskOrder!, $first: Int!, $after: String) {
          tasks(first: $first, after: $after, filter: $filter, orderBy: $order) {
            edges { node { title } } pageInfo { endCursor }
          }
        }
        """
        result = await gql(
            client, query, {"order": "CREATED_AT", "first": 10} | variables, account=me
        )
        return [e["node"]["title"] for e in result["data"]["tasks"]["edges"]]

    assert await titles({"order": "DUE_AT"}) == ["in 2 days", "in 5 days", "no due"]
    assert await titles({"filter": {"status": ["PENDING"]}}) == ["no due", "in 5 days"]
    assert await titles({"filter": {"category": ["EXAM"]}}) == ["no due", "in 2 days"]
    assert await titles({"filter": {"goalId": skill}}) == ["in 5 days"]
    assert await titles({"filter": {"dueBefore": (now + timedelta(days=3)).isoformat()}}) == [
        "in 2 days"
    ]
    assert await titles({"filter": {"dueAfter": (now + timedelta(days=3)).isoformat()}}) == [
        "in 5 days"
    ]
    # Paging through the due order crosses from dated tasks to undated ones.
    first_page = await gql(
        client,
        "{ tasks(first: 2, orderBy: DUE_AT) { edges { node { title } } pageInfo { endCursor } } }",
        account=me,
    )
    cursor = first_page["data"]["tasks"]["pageInfo"]["endCursor"]
    assert await titles({"order": "DUE_AT", "first": 2, "after": cursor}) == ["no due"]
