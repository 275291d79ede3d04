"""Helpers that create goals, milestones, tasks, focus sessions and blocked sites through
the API, as clients do; each returns the new object's global id."""

from __future__ import annotations

from typing import Any

import httpx

from tests.accounts import Account, gql

CREATE_GOAL = """
mutation ($input: CreateGoalInput!) {
  createGoal(input: $input) { goal { id title status } errors { code field } }
}
"""
ADD_MILESTONE = """
mutation ($input: AddMilestoneInput!) {
  addMilestone(input: $input) { milestone { id position } errors { code field } }
}
"""
CREATE_TASK = """
mutation ($input: CreateTaskInput!) {
  createTask(input: $input) { task { id title status } errors { code field } }
}
"""
UPDATE_TASK = """
mutation ($id: ID!, $input: UpdateTaskInput!) {
  updateTask(id: $id, input: $input) {
    task { id dependsOn { id } } errors { code field }
  }
}
"""


async def mutate(
    client: httpx.AsyncClient, account: Account, query: str, **variables: Any
) -> dict[str, Any]:
    """The mutation's payload (a top-level error fails the calling test)."""
    result = await gql(client, query, variables, account=account)
    assert "errors" not in result, result
    return dict(next(iter(result["data"].values())))


async def create_goal(client: httpx.AsyncClient, account: Account, **fields: Any) -> str:
    payload = await mutate(
        client, account, CREATE_GOAL, input={"title": "Pass the exam", "category": "EXAM"} | fields
    )
    assert payload["errors"] == [], payload
    return str(payload["goal"]["id"])


async def add_milestone(
    client: httpx.AsyncClient, account: Account, goal_id: str, title: str = "Chapter"
) -> str:
    payload = await mutate(
        client, account, ADD_MILESTONE, input={"goalId": goal_id, "title": title}
    )
    assert payload["errors"] == [], payload
    return str(payload["milestone"]["id"])


async def create_task(client: httpx.AsyncClient, account: Account, **fields: Any) -> str:
    payload = await mutate(
        client, account, CREATE_TASK, input={"title": "Read", "estimatedMinutes": 30} | fields
    )
    assert payload["errors"] == [], payload
    return str(payload["task"]["id"])


async def start_focus_session(
    client: httpx.AsyncClient, account: Account, task_id: str | None = None
) -> str:
    payload = await mutate(
        client,
        account,
        "mutation ($taskId: ID) { startFocusSession(plannedMinutes: 25, taskId: $taskId) "
        "{ focusSession { id } errors { code } } }",
        taskId=task_id,
    )
    assert payload["errors"] == [], payload
    return str(payload["focusSession"]["id"])


async def pause_focus_session(client: httpx.AsyncClient, account: Account, session_id: str) -> str:
    payload = await mutate(
        client,
        account,
        "mutation ($id: ID!) { pauseFocusSession(id: $id) "
        "{ focusSession { id } errors { code } } }",
        id=session_id,
    )
    assert payload["errors"] == [], payload
    return str(payload["focusSession"]["id"])


async def add_blocked_site(client: httpx.AsyncClient, account: Account, pattern: str) -> str:
    payload = await mutate(
        client,
        account,
        "mutation ($pattern: String!) { addBlockedSite(pattern: $pattern) "
        "{ blockedSite { id } errors { code } } }",
        pattern=pattern,
    )
    assert payload["errors"] == [], payload
    return str(payload["blockedSite"]["id"])
