"""Subscriptions end to end on a real embedded server: its memory bus, its in-process
worker, a real socket per client."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from resolvers.live import encode_cursor
from tests.accounts import Account, gql, register
from tests.process import studygraph_server
from tests.schedule_api import at, generate, set_windows, tomorrow
from tests.social_api import a_group_challenge_of, a_private_group, befriend
from tests.study_api import create_goal, create_task, mutate
from tests.ws_client import Subscriber

COMPLETE = """
mutation ($id: ID!, $minutes: Int) {
  completeTask(id: $id, actualMinutes: $minutes) { errors { code } }
}
"""
INVITE_CODE = "query ($groupId: ID!) { studyGroup(id: $groupId) { inviteCode } }"
JOIN_GROUP = """mutation ($groupId: ID!, $code: String) {
  joinStudyGroup(groupId: $groupId, inviteCode: $code) { errors { code } } }"""
JOIN_CHALLENGE = "mutation ($id: ID!) { joinChallenge(challengeId: $id) { errors { code } } }"
FROM_THE_START = encode_cursor(0)
POINTS = """
subscription ($after: String) {
  pointsAwarded(after: $after) { cursor sequence amount reason balance total points { total } }
}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("live")
    env = {"ENV": "development", "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'live.db'}"}
    if os.environ.get("REDIS_URL"):
        pytest.skip("the embedded default needs REDIS_URL unset")
    with studygraph_server(env, cwd=workdir) as (base, _process):
        yield base


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        yield client


async def finish_task(http: httpx.AsyncClient, account: Account, minutes: int = 30) -> None:
    goal = await create_goal(http, account)
    task = await create_task(http, account, goalId=goal)
    payload = await mutate(http, account, COMPLETE, id=task, minutes=minutes)
    assert payload["errors"] == []


async def test_points_awarded_reach_their_owner_only(server: str, http: httpx.AsyncClient) -> None:
    me, other = await register(http), await register(http)
    async with (
        Subscriber(server, me.access_token) as mine,
        Subscriber(server, other.access_token) as theirs,
    ):
        # From the start of each (new) user's events: nothing is missed however long
        # the server takes to set the subscriptions up.
        op = await mine.subscribe(POINTS, {"after": FROM_THE_START})
        their_op = await theirs.subscribe(POINTS, {"after": FROM_THE_START})
        await finish_task(http, me, minutes=60)

        event = (await mine.next_data(op))["pointsAwarded"]
        assert {k: event[k] for k in ("sequence", "amount", "reason", "balance", "total")} == {
            "sequence": 1,
            "amount": 30,
            "reason": "TASK_COMPLETED",
            "balance": 30,
            "total": 30,
        }
        assert event["points"] == {"total": 30}
        assert await theirs.nothing_within(0.5)
        assert their_op == "1"


async def test_after_replays_what_was_missed_then_continues_live(
    server: str, http: httpx.AsyncClient
) -> None:
    me = await register(http)
    async with Subscriber(server, me.access_token) as client:
        op = await client.subscribe(POINTS, {"after": FROM_THE_START})
        await finish_task(http, me, minutes=30)
        first = (await client.next_data(op))["pointsAwarded"]
    # Offline: two more awards happen.
    await finish_task(http, me, minutes=60)
    await finish_task(http, me, minutes=90)

    async with Subscriber(server, me.access_token) as client:
        op = await client.subscribe(POINTS, {"after": first["cursor"]})
        replayed = [(await client.next_data(op))["pointsAwarded"] for _ in range(2)]
        assert [(e["amount"], e["total"]) for e in replayed] == [(30, 53), (38, 91)]
        await finish_task(http, me, minutes=30)
        live = (await client.next_data(op))["pointsAwarded"]
        assert (live["amount"], live["total"]) == (23, 114)
        sequences = [first["sequence"], *(e["sequence"] for e in replayed), live["sequence"]]
        assert sequences == sorted(set(sequences))  # in order, none twice
        assert await client.nothing_within(0.5)


async def test_a_cursor_not_given_by_the_server_is_refused(
    server: str, http: httpx.AsyncClient
) -> None:
    me = await register(http)
    async with Subscriber(server, me.access_token) as client:
        op = await client.subscribe(POINTS, {"after": "bm90LWEtY3Vyc29y"})
        message = await client.receive()
        assert message["id"] == op
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["INVALID_CURSOR"]


async def test_streak_and_badge_events(server: str, http: httpx.AsyncClient) -> None:
    me = await register(http)
    async with Subscriber(server, me.access_token) as client:
        # From the user's first event: nothing is missed while the subscription starts.
        streak = await client.subscribe(
            "subscription ($after: String) { streakUpdated(after: $after) {"
            " current longest freezesHeld } }",
            {"after": FROM_THE_START},
        )
        await finish_task(http, me)
        assert await client.next_data(streak) == {
            "streakUpdated": {"current": 1, "longest": 1, "freezesHeld": 0}
        }


async def test_job_updated_follows_a_job_to_its_end(server: str, http: httpx.AsyncClient) -> None:
    me, other = await register(http), await register(http)
    requested = await gql(
        http, "mutation { exportMyData { job { id } errors { code } } }", account=me
    )
    job_id = requested["data"]["exportMyData"]["job"]["id"]
    query = "subscription ($id: ID!) { jobUpdated(id: $id) { status progress } }"

    async with Subscriber(server, me.access_token) as client:
        op = await client.subscribe(query, {"id": job_id})
        statuses: list[str] = []
        while True:
            message = await client.receive()
            if message["type"] == "complete":
                break
            assert message["type"] == "next", message
            statuses.append(message["payload"]["data"]["jobUpdated"]["status"])
        # Progress reports repeat RUNNING; the statuses only ever move forward.
        order = ["QUEUED", "RUNNING", "SUCCEEDED"]
        assert statuses[-1] == "SUCCEEDED"
        assert statuses == sorted(statuses, key=order.index)
        assert message["id"] == op

    async with Subscriber(server, other.access_token) as client:
        op = await client.subscribe(query, {"id": job_id})
        message = await client.receive()
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]  # as `job(id)`


async def test_leaderboard_updates_reach_a_watcher_in_order(
    server: str, http: httpx.AsyncClient
) -> None:
    watcher = await register(http)
    players = [await register(http) for _ in range(6)]
    goals = [await create_goal(http, p) for p in players]
    tasks = [await create_task(http, p, goalId=g) for p, g in zip(players, goals, strict=True)]
    query = """subscription { leaderboardUpdated(period: ALL_TIME) {
        period sequence changes { rank userId points } } }"""

    async with Subscriber(server, watcher.access_token) as client:
        op = await client.subscribe(query)
        await asyncio.sleep(0.2)
        await asyncio.gather(
            *(
                mutate(http, p, COMPLETE, id=t, minutes=30 * (i + 1))
                for i, (p, t) in enumerate(zip(players, tasks, strict=True))
            )
        )
        updates: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        while len(seen) < len(players):
            update = (await client.next_data(op))["leaderboardUpdated"]
            updates.append(update)
            seen |= {c["userId"]: c["points"] for c in update["changes"]}
        # How many updates the six make depends on how the awards spread in time (the
        # gathering itself is shown in test_leaderboards); each arrives, in order, once.
        assert [u["sequence"] for u in updates] == list(range(1, len(updates) + 1))
        assert sorted(seen.values()) == [23, 30, 38, 45, 53, 61]
        assert sum(len(u["changes"]) for u in updates) == len(players)
        assert await client.nothing_within(0.5)
        last = updates[-1]["changes"]
        assert [c["rank"] for c in last] == sorted(c["rank"] for c in last)


SCHEDULE = """
subscription ($after: String) {
  scheduleUpdated(after: $after) {
    cursor version change removedSlotIds
    changedSlots { id kind startAt endAt locked task { id title } }
    atRisk { code task { id } }
  }
}
"""


async def test_a_generated_plan_reaches_its_owner_on_schedule_updated(
    server: str, http: httpx.AsyncClient
) -> None:
    me, other = await register(http), await register(http)
    await set_windows(http, me, [("09:00", "10:00")], sessionMinutes=50)
    task = await create_task(http, me, title="Integrals", estimatedMinutes=50)
    async with (
        Subscriber(server, me.access_token) as mine,
        Subscriber(server, other.access_token) as theirs,
    ):
        op = await mine.subscribe(SCHEDULE)
        their_op = await theirs.subscribe(SCHEDULE)
        payload = await generate(http, me, tomorrow(), 1)
        assert payload["errors"] == []

        event = (await mine.next_data(op, wait=30))["scheduleUpdated"]
        assert event["version"] == 1
        assert event["change"] == "GENERATED"
        assert event["removedSlotIds"] == []
        assert event["atRisk"] == []
        assert event["changedSlots"] == [
            {
                "id": event["changedSlots"][0]["id"],
                "kind": "TASK",
                "startAt": at(tomorrow(), 9).isoformat(),
                "endAt": at(tomorrow(), 9, 50).isoformat(),
                "locked": False,
                "task": {"id": task, "title": "Integrals"},
            }
        ]
        assert await theirs.nothing_within(0.5)
        assert their_op


async def test_challenge_updated_follows_a_group_challenge(
    server: str, http: httpx.AsyncClient
) -> None:
    me, rival, outsider = await register(http), await register(http), await register(http)
    group = await a_private_group(http, me)
    code = (await gql(http, INVITE_CODE, group, account=me))["data"]["studyGroup"]["inviteCode"]
    joined = await mutate(http, rival, JOIN_GROUP, groupId=group["groupId"], code=code)
    assert joined["errors"] == []
    challenge = await a_group_challenge_of(http, me, group["groupId"])
    query = """subscription ($id: ID!) { challengeUpdated(id: $id) { participantCount
        standings { userId progress } } }"""

    async with Subscriber(server, me.access_token) as client:
        op = await client.subscribe(query, {"id": challenge})
        assert (await client.next_data(op))["challengeUpdated"]["participantCount"] == 1
        await mutate(http, rival, JOIN_CHALLENGE, id=challenge)
        assert (await client.next_data(op))["challengeUpdated"]["participantCount"] == 2
        await finish_task(http, rival)
        moved = await client.next_data(op)
        assert moved["challengeUpdated"]["standings"] == [
            {"userId": rival.id, "progress": 1},
            {"userId": me.id, "progress": 0},
        ]

    async with Subscriber(server, outsider.access_token) as client:
        await client.subscribe(query, {"id": challenge})
        message = await client.receive()
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]  # as `challenge(id)`


async def test_a_friends_board_updates_only_for_friends(
    server: str, http: httpx.AsyncClient
) -> None:
    me, friend, stranger = await register(http), await register(http), await register(http)
    await befriend(http, me, friend)
    goals = {a.id: await create_goal(http, a) for a in (me, friend, stranger)}
    tasks = {a.id: await create_task(http, a, goalId=goals[a.id]) for a in (me, friend, stranger)}
    query = """subscription { leaderboardUpdated(period: ALL_TIME, scope: FRIENDS) {
        scope sequence changes { rank userId points } } }"""

    async with Subscriber(server, me.access_token) as client:
        op = await client.subscribe(query)
        await asyncio.sleep(0.2)
        await mutate(http, stranger, COMPLETE, id=tasks[stranger.id], minutes=90)
        assert await client.nothing_within(1.0)
        # MEDIUM tasks: (10 + 5 per 30 min) x 1.5 x 1.01 (a one-day streak), rounded
        await mutate(http, friend, COMPLETE, id=tasks[friend.id], minutes=60)
        update = (await client.next_data(op))["leaderboardUpdated"]
        assert update == {
            "scope": "FRIENDS",
            "sequence": 1,
            "changes": [{"rank": 1, "userId": friend.id, "points": 30}],
        }
        await mutate(http, me, COMPLETE, id=tasks[me.id], minutes=120)
        update = (await client.next_data(op))["leaderboardUpdated"]
        assert (update["sequence"], update["changes"]) == (
            2,
            [{"rank": 1, "userId": me.id, "points": 45}],
        )
