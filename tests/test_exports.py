"""exportMyData: a job run by a worker; the file holds the user's data only, served once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import from_global_id
from core.settings import Settings
from tests.accounts import Account, gql, register
from tests.assessment_api import SAVE, SUBMIT, published_assessment, staff, start
from tests.conftest import serve_app
from tests.schedule_api import RESCHEDULE, at, set_windows, tomorrow
from tests.social_api import a_public_group, befriend, send
from tests.study_api import create_goal, create_task, mutate
from workers.embedded import in_process_workers

JOB = "query ($id: ID!) { job(id: $id) { kind status progress result error attempts } }"


@pytest.fixture
async def with_workers(settings: Settings, db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """The api with a worker in the same process, on the broker the settings choose."""
    async with serve_app(settings, [in_process_workers]) as client:
        yield client


async def wait_for_job(client: httpx.AsyncClient, job_id: str, account: Account) -> dict[str, Any]:
    for _ in range(200):
        job = (await gql(client, JOB, {"id": job_id}, account))["data"]["job"]
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return dict(job)
        await asyncio.sleep(0.1)
    raise AssertionError(f"job still {job['status']}")


def local_id(account: Account) -> str:
    return str(from_global_id(account.id)[1])


async def test_export_holds_my_data_and_nobody_elses(
    with_workers: httpx.AsyncClient, db: AsyncEngine
) -> None:
    client = with_workers
    me = await register(client)
    other = await register(client)
    await gql(
        client,
        'mutation { updatePreferences(input: {timeZone: "Asia/Kolkata"}) { errors { code } } }',
        account=me,
    )
    goal_id = await create_goal(client, me, title="My goal")
    first = await create_task(client, me, title="My first task", goalId=goal_id)
    await create_task(client, me, title="My second task", goalId=goal_id, dependsOn=[first])
    await gql(
        client,
        'mutation { addBlockedSite(pattern: "news.example.com") { errors { code } } }',
        account=me,
    )
    await set_windows(client, me, [("00:00", "23:59")], timeZone="Asia/Kolkata")
    moved = await mutate(client, me, RESCHEDULE, taskId=first, start=at(tomorrow(), 10).isoformat())
    assert moved["errors"] == []
    await create_goal(client, other, title="Their goal")
    await befriend(client, me, other)
    stranger = await register(client)
    await send(client, stranger, me.id)
    group = await a_public_group(client, me)
    assessment = await published_assessment(client, await staff(client, db))
    attempt = await start(client, me, assessment["id"])
    first_question = assessment["questions"][0]["id"]
    answer = {"attemptId": attempt["id"], "questionId": first_question, "choices": [1]}
    assert (await mutate(client, me, SAVE, input=answer))["errors"] == []
    assert (await mutate(client, me, SUBMIT, attemptId=attempt["id"]))["errors"] == []
    requested = await gql(
        client, "mutation { exportMyData { job { id status kind } errors { code } } }", account=me
    )
    job = requested["data"]["exportMyData"]["job"]
    assert (job["status"], job["kind"]) == ("QUEUED", "EXPORT_MY_DATA")

    finished = await wait_for_job(client, job["id"], me)
    assert finished["status"] == "SUCCEEDED"
    assert finished["progress"] == 1.0
    assert finished["attempts"] == 1
    path = finished["result"]["downloadPath"]

    # Someone else can neither read the job nor download the file.
    assert (await gql(client, JOB, {"id": job["id"]}, other))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    assert (await client.get(path, headers=other.headers)).status_code == 404
    assert (await client.get(path)).status_code == 401

    response = await client.get(path, headers=me.headers)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    content = response.json()
    assert content["profile"]["email"] == me.email
    assert content["preferences"]["timeZone"] == "Asia/Kolkata"
    assert len(content["sessions"]) == 1
    assert content["jobs"][0]["kind"] == "EXPORT_MY_DATA"
    assert [g["title"] for g in content["goals"]] == ["My goal"]
    assert [t["title"] for t in content["tasks"]] == ["My first task", "My second task"]
    second = content["tasks"][1]["id"]
    assert content["taskDependencies"] == [
        {"taskId": second, "dependsOnId": content["tasks"][0]["id"]}
    ]
    assert [s["pattern"] for s in content["blockedSites"]] == ["news.example.com"]
    assert [(s["taskId"], s["startAt"], s["locked"]) for s in content["scheduleSlots"]] == [
        (content["tasks"][0]["id"], at(tomorrow(), 10).isoformat(), True)
    ]
    assert [f["friendId"] for f in content["friends"]] == [local_id(other)]
    assert [(r["recipientId"], r["status"]) for r in content["friendRequestsSent"]] == [
        (local_id(other), "ACCEPTED")
    ]
    assert [(r["senderId"], r["status"]) for r in content["friendRequestsReceived"]] == [
        (local_id(stranger), "PENDING")
    ]
    assert [(m["groupId"], m["role"]) for m in content["groupMemberships"]] == [
        (str(from_global_id(group["groupId"])[1]), "ADMIN")
    ]
    assert [(a["id"], a["score"], a["maxScore"]) for a in content["assessmentAttempts"]] == [
        (str(from_global_id(attempt["id"])[1]), 1, 10)
    ]
    assert [(a["questionId"], a["correct"]) for a in content["attemptAnswers"]] == [
        (str(from_global_id(first_question)[1]), True)
    ]
    assert sorted(
        (r["correct"], r["wrong"], r["unanswered"]) for r in content["chapterResults"]
    ) == [
        (0, 0, 2),
        (1, 0, 1),
    ]
    assert content["assessmentsWritten"] == []
    assert other.email not in json.dumps(content)
    assert "Their goal" not in json.dumps(content)

    again = await client.get(path, headers=me.headers)
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "EXPORT_GONE"
