"""Goals and milestones through the API: lists, bad input, archive, delete, order, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models.goals import Goal, Milestone, Task
from tests.accounts import gql, register
from tests.study_api import (
    ADD_MILESTONE,
    CREATE_GOAL,
    add_milestone,
    create_goal,
    create_task,
    mutate,
)

GOALS = """
query ($status: [GoalStatus!], $category: [GoalCategory!], $after: String) {
  goals(first: 2, status: $status, category: $category, after: $after) {
    edges { node { title status category } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def count(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def test_goals_list_filters_and_pages(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    me = await register(client)
    for title, category in (("A", "EXAM"), ("B", "SKILL"), ("C", "EXAM"), ("D", "EXAM")):
        await create_goal(client, me, title=title, category=category)
    await create_goal(client, await register(client), title="Not mine")

    exams = await gql(client, GOALS, {"category": ["EXAM"]}, account=me)
    page = exams["data"]["goals"]
    assert [e["node"]["title"] for e in page["edges"]] == ["A", "C"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        client, GOALS, {"category": ["EXAM"], "after": page["pageInfo"]["endCursor"]}, account=me
    )
    assert [e["node"]["title"] for e in rest["data"]["goals"]["edges"]] == ["D"]
    assert rest["data"]["goals"]["pageInfo"]["hasNextPage"] is False


async def test_bad_goal_input_creates_nothing(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    me = await register(client)
    yesterday_but_one = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    cases = [
        ({"title": "   ", "category": "EXAM"}, "EMPTY_TITLE", "title"),
        ({"title": "x" * 201, "category": "EXAM"}, "TITLE_TOO_LONG", "title"),
        (
            {"title": "Old", "category": "EXAM", "targetDate": yesterday_but_one},
            "TARGET_DATE_IN_PAST",
            "targetDate",
        ),
    ]
    for goal_input, code, field in cases:
        payload = await mutate(client, me, CREATE_GOAL, input=goal_input)
        assert payload == {"goal": None, "errors": [{"code": code, "field": field}]}
    assert await count(db, Goal) == 0


async def test_update_goal_rejects_bad_input_and_changes_nothing(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    me = await register(client)
    goal_id = await create_goal(client, me, title="Original", priority="HIGH")
    update = """
    mutation ($id: ID!, $input: UpdateGoalInput!) {
      updateGoal(id: $id, input: $input) {
        goal { title priority status completedAt } errors { code }
      }
    }
    """
    refused = await mutate(
        client, me, update, id=goal_id, input={"title": "New", "targetDate": "2001-01-01"}
    )
    assert refused["errors"] == [{"code": "TARGET_DATE_IN_PAST"}]
    done = await mutate(client, me, update, id=goal_id, input={"status": "COMPLETED"})
    assert done["goal"]["title"] == "Original"
    assert done["goal"]["priority"] == "HIGH"
    assert done["goal"]["status"] == "COMPLETED"
    assert done["goal"]["completedAt"] is not None


async def test_archived_goals_leave_the_default_list(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    me = await register(client)
    goal_id = await create_goal(client, me, title="Old plan")
    await create_goal(client, me, title="Current plan")
    archived = await mutate(
        client,
        me,
        "mutation ($id: ID!) { archiveGoal(id: $id) { goal { status } errors { code } } }",
        id=goal_id,
    )
    assert archived == {"goal": {"status": "ARCHIVED"}, "errors": []}
    default = await gql(client, GOALS, account=me)
    assert [e["node"]["title"] for e in default["data"]["goals"]["edges"]] == ["Current plan"]
    only = await gql(client, GOALS, {"status": ["ARCHIVED"]}, account=me)
    assert [e["node"]["title"] for e in only["data"]["goals"]["edges"]] == ["Old plan"]


async def test_deleting_a_goal_deletes_its_milestones_and_tasks(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    me = await register(client)
    goal_id = await create_goal(client, me)
    kept_goal = await create_goal(client, me, title="Kept")
    milestone = await add_milestone(client, me, goal_id)
    await create_task(client, me, milestoneId=milestone)
    await create_task(client, me, goalId=goal_id)
    kept_task = await create_task(client, me, goalId=kept_goal)
    # A task of another goal depending on one of the deleted goal's tasks loses that edge.
    doomed = await create_task(client, me, goalId=goal_id)
    await create_task(client, me, goalId=kept_goal, dependsOn=[doomed])

    payload = await mutate(
        client,
        me,
        "mutation ($id: ID!) { deleteGoal(id: $id) "
        "{ deletedGoalId deletedTaskCount errors { code } } }",
        id=goal_id,
    )
    assert payload == {"deletedGoalId": goal_id, "deletedTaskCount": 3, "errors": []}
    assert (await count(db, Goal), await count(db, Milestone), await count(db, Task)) == (1, 0, 2)
    left = await gql(
        client, "query ($id: ID!) { task(id: $id) { id } }", {"id": kept_task}, account=me
    )
    assert left["data"]["task"] == {"id": kept_task}


async def test_milestones_keep_their_order(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    me = await register(client)
    goal_id = await create_goal(client, me)
    first, second, third = [await add_milestone(client, me, goal_id, t) for t in ("1", "2", "3")]
    reorder = """
    mutation ($goal: ID!, $ids: [ID!]!) {
      reorderMilestones(goalId: $goal, milestoneIds: $ids) {
        goal { milestones { title position } } errors { code field }
      }
    }
    """
    payload = await mutate(client, me, reorder, goal=goal_id, ids=[third, first, second])
    assert payload["goal"]["milestones"] == [
        {"title": "3", "position": 0},
        {"title": "1", "position": 1},
        {"title": "2", "position": 2},
    ]
    refused = await mutate(client, me, reorder, goal=goal_id, ids=[first, second])
    assert refused == {
        "goal": None,
        "errors": [{"code": "INVALID_MILESTONE_ORDER", "field": "milestoneIds"}],
    }
    again = await gql(
        client,
        "query ($id: ID!) { goal(id: $id) { milestones { title } } }",
        {"id": goal_id},
        account=me,
    )
    assert [m["title"] for m in again["data"]["goal"]["milestones"]] == ["3", "1", "2"]


async def test_milestone_of_someone_elses_goal_is_not_found(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    me, other = await register(client), await register(client)
    theirs = await create_goal(client, other)
    payload = await mutate(client, me, ADD_MILESTONE, input={"goalId": theirs, "title": "Mine"})
    assert payload == {"milestone": None, "errors": [{"code": "NOT_FOUND", "field": "goalId"}]}
    assert await count(db, Milestone) == 0


async def test_progress_weighs_tasks_by_estimate_and_ignores_skipped(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    me = await register(client)
    goal_id = await create_goal(client, me)
    done = await create_task(client, me, goalId=goal_id, estimatedMinutes=30)
    await create_task(client, me, goalId=goal_id, estimatedMinutes=60)
    skipped = await create_task(client, me, goalId=goal_id, estimatedMinutes=90)
    await mutate(
        client, me, "mutation ($id: ID!) { completeTask(id: $id) { errors { code } } }", id=done
    )
    await mutate(
        client, me, "mutation ($id: ID!) { skipTask(id: $id) { errors { code } } }", id=skipped
    )
    result = await gql(
        client, "query ($id: ID!) { goal(id: $id) { progress } }", {"id": goal_id}, account=me
    )
    assert result["data"]["goal"]["progress"] == 0.3333
