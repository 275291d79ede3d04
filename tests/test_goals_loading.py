"""Every relation resolves through per-operation DataLoaders: the statement count of a
nested query does not grow with the data."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import from_global_id
from core.settings import Settings
from tests.accounts import Account, gql, register
from tests.conftest import serve_app
from tests.factories import goal_tree
from tests.study_api import add_milestone, create_goal, create_task

NESTED = """
query {
  me {
    goals(first: 50) {
      edges { node {
        id title progress
        milestones {
          id title position
          tasks(first: 50) { edges { node { id title status dependsOn { id title } } } }
        }
      } }
    }
  }
}
"""


async def nested_statements(
    client: httpx.AsyncClient, engine: AsyncEngine, statements: list[str], goals: int
) -> tuple[dict[str, object], list[str]]:
    account: Account = await register(client)
    await goal_tree(engine, from_global_id(account.id)[1], goals=goals)
    statements.clear()
    result = await gql(client, NESTED, account=account)
    assert "errors" not in result, result
    return result, list(statements)


@pytest.fixture
async def roomy_client(settings: Settings, db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The nested query selects up to 50 x 50 tasks: beyond the default cost limit."""
    async with serve_app(settings.model_copy(update={"max_query_cost": 100_000})) as client:
        yield client


async def test_nested_query_statement_count_does_not_grow(
    roomy_client: httpx.AsyncClient, db: AsyncEngine, statements: list[str]
) -> None:
    one, with_one = await nested_statements(roomy_client, db, statements, goals=1)
    fifty, with_fifty = await nested_statements(roomy_client, db, statements, goals=50)

    edges = fifty["data"]["me"]["goals"]["edges"]  # type: ignore[index]
    assert len(edges) == 50
    first = edges[0]["node"]
    assert [m["title"] for m in first["milestones"]] == ["Milestone 0.0", "Milestone 0.1"]
    tasks = first["milestones"][0]["tasks"]["edges"]
    assert [t["node"]["title"] for t in tasks] == ["Task 0.0.0", "Task 0.0.1", "Task 0.0.2"]
    assert [[d["title"] for d in t["node"]["dependsOn"]] for t in tasks] == [
        [],
        ["Task 0.0.0"],
        ["Task 0.0.1"],
    ]
    assert len(with_one) == len(with_fifty), (with_one, with_fifty)
    # Authenticate the caller, `me`, then one statement per relation: goals, progress,
    # milestones, tasks, dependencies.
    assert len(with_one) == 7, with_one
    assert one["data"]["me"]["goals"]["edges"][0]["node"]["progress"] == 0.0  # type: ignore[index]


async def test_nested_pages_are_cut_per_parent(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    account = await register(client)
    await goal_tree(db, from_global_id(account.id)[1], goals=2, milestones=1, tasks_per_milestone=4)
    page = """
    query ($after: String) { me { goals(first: 5) { edges { node { milestones {
      tasks(first: 3, after: $after) { edges { cursor node { title } } pageInfo { hasNextPage } }
    } } } } } }
    """
    result = await gql(client, page, account=account)
    milestones = [
        e["node"]["milestones"][0]["tasks"] for e in result["data"]["me"]["goals"]["edges"]
    ]
    assert [[t["node"]["title"] for t in m["edges"]] for m in milestones] == [
        ["Task 0.0.0", "Task 0.0.1", "Task 0.0.2"],
        ["Task 1.0.0", "Task 1.0.1", "Task 1.0.2"],
    ]
    assert [m["pageInfo"]["hasNextPage"] for m in milestones] == [True, True]
    cursor = milestones[0]["edges"][-1]["cursor"]
    rest = await gql(client, page, {"after": cursor}, account=account)
    first_goal = rest["data"]["me"]["goals"]["edges"][0]["node"]["milestones"][0]["tasks"]
    assert [t["node"]["title"] for t in first_goal["edges"]] == ["Task 0.0.3"]
    assert first_goal["pageInfo"]["hasNextPage"] is False


async def test_dependencies_outside_the_loaded_pages_still_resolve(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    account = await register(client)
    goal_id = await create_goal(client, account)
    milestone_id = await add_milestone(client, account, goal_id)
    elsewhere = await create_task(client, account, title="Standalone reading")
    first = await create_task(client, account, title="First", milestoneId=milestone_id)
    await create_task(
        client, account, title="Second", milestoneId=milestone_id, dependsOn=[first, elsewhere]
    )
    query = """
    { me { goals(first: 5) { edges { node { milestones { tasks(first: 5) { edges { node {
        title dependsOn { title dependsOn { title } } } } } } } } } } }
    """
    result = await gql(client, query, account=account)
    tasks = result["data"]["me"]["goals"]["edges"][0]["node"]["milestones"][0]["tasks"]["edges"]
    assert [(t["node"]["title"], t["node"]["dependsOn"]) for t in tasks] == [
        ("First", []),
        (
            "Second",
            [
                {"title": "Standalone reading", "dependsOn": []},
                {"title": "First", "dependsOn": []},
            ],
        ),
    ]
