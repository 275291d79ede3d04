"""Challenges: created and joined through the API, progress moved by real completions and
focus sessions, group challenges kept inside their group, winners named once after the
end with their CHALLENGES_WON badge, and the CHALLENGE leaderboard. Both databases."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import from_global_id
from db.base import utcnow
from db.models.users import Role
from resolvers.gamification.leaderboards import LeaderboardPeriod, LeaderboardScope, leaderboard
from resolvers.social.challenges import follow_challenge, settle_challenges
from tests.accounts import Account, gql, login, register, register_with_role, viewer_of
from tests.focus_helpers import run_session
from tests.gamification_helpers import Factory, complete
from tests.social_api import a_private_group
from tests.study_api import create_task, mutate

CHALLENGE_FIELDS = """challenge { id title metric target participantCount myProgress settled
    groupId } errors { code field }"""
CREATE = f"""mutation ($input: CreateChallengeInput!) {{
    createChallenge(input: $input) {{ {CHALLENGE_FIELDS} }} }}"""
JOIN = f"""mutation ($id: ID!) {{ joinChallenge(challengeId: $id) {{ {CHALLENGE_FIELDS} }} }}"""
READ = """query ($id: ID!) { challenge(id: $id) { participantCount myProgress settled
    standings(first: 5) { rank userId progress won reachedAt } } }"""
LIST = "{ challenges(first: 20) { edges { node { title } } } }"
MINE = "{ challenges(joined: true, first: 20) { edges { node { title } } } }"
COMPLETE = "mutation ($id: ID!) { completeTask(id: $id) { errors { code } } }"


def local(account: Account) -> uuid.UUID:
    return from_global_id(account.id)[1]


def window(days: int = 7) -> dict[str, str]:
    now = utcnow()
    return {
        "startsAt": (now - timedelta(hours=1)).isoformat(),
        "endsAt": (now + timedelta(days=days)).isoformat(),
    }


async def create(
    client: httpx.AsyncClient, owner: Account, title: str, metric: str, target: int, **extra: Any
) -> dict[str, Any]:
    fields = {"title": title, "metric": metric, "target": target} | window() | extra
    return await mutate(client, owner, CREATE, input=fields)


async def read(client: httpx.AsyncClient, account: Account, challenge_id: str) -> Any:
    body = await gql(client, READ, {"id": challenge_id}, account=account)
    assert "errors" not in body, body
    return body["data"]["challenge"]


async def titles(client: httpx.AsyncClient, account: Account, query: str) -> list[str]:
    body = await gql(client, query, account=account)
    return [e["node"]["title"] for e in body["data"]["challenges"]["edges"]]


async def test_completions_move_progress_and_the_first_to_the_target_leads(
    client: httpx.AsyncClient,
) -> None:
    ana, ben = await register(client), await register(client)
    made = await create(client, ana, "Two tasks", "TASKS_COMPLETED", 2)
    assert made["errors"] == []
    challenge = made["challenge"]
    assert (challenge["participantCount"], challenge["myProgress"]) == (1, 0)
    joined = await mutate(client, ben, JOIN, id=challenge["id"])
    assert (joined["challenge"]["participantCount"], joined["challenge"]["myProgress"]) == (2, 0)
    again = await mutate(client, ben, JOIN, id=challenge["id"])
    assert again["errors"] == [{"code": "ALREADY_JOINED", "field": None}]

    for account, count in ((ben, 3), (ana, 1)):
        for _ in range(count):
            task = await create_task(client, account)
            assert (await mutate(client, account, COMPLETE, id=task))["errors"] == []
    seen = await read(client, ana, challenge["id"])
    assert seen["myProgress"] == 1
    places = [(p["rank"], p["userId"], p["progress"], p["won"]) for p in seen["standings"]]
    assert places == [(1, ben.id, 3, False), (2, ana.id, 1, False)]
    assert seen["standings"][0]["reachedAt"] is not None
    assert seen["standings"][1]["reachedAt"] is None
    assert await titles(client, ben, MINE) == ["Two tasks"]


async def test_focus_minutes_and_streak_days_count(
    client: httpx.AsyncClient, session_factory: Factory
) -> None:
    ana = await register(client)
    focus = (await create(client, ana, "Focus hour", "FOCUS_MINUTES", 60))["challenge"]
    streak = (await create(client, ana, "Two days", "STREAK_DAYS", 2))["challenge"]
    start = utcnow() - timedelta(minutes=50)
    await run_session(session_factory, viewer_of(ana), start, end_after=40, pauses=[(10, 15)])
    assert (await read(client, ana, focus["id"]))["myProgress"] == 35  # 40 minutes, 5 paused
    assert (await read(client, ana, streak["id"]))["myProgress"] == 1
    # a second day in a row (tasks completed as `completeTask` announces them): a day after
    # the session ended, so the two days follow each other whatever the time now
    ended = start + timedelta(minutes=40)
    await complete(session_factory, local(ana), ended + timedelta(days=1), minutes=30)
    assert (await read(client, ana, streak["id"]))["myProgress"] == 2
    assert (await read(client, ana, focus["id"]))["myProgress"] == 35


async def test_a_group_challenge_stays_inside_its_group(client: httpx.AsyncClient) -> None:
    ana, outsider = await register(client), await register(client)
    group = await a_private_group(client, ana)
    made = await create(client, ana, "Group race", "TASKS_COMPLETED", 5, groupId=group["groupId"])
    challenge = made["challenge"]
    assert challenge["groupId"] == group["groupId"]
    await create(client, ana, "Open race", "TASKS_COMPLETED", 5)
    assert await titles(client, ana, LIST) == ["Group race", "Open race"]
    assert await titles(client, outsider, LIST) == ["Open race"]
    assert await read(client, outsider, challenge["id"]) is None
    refused = await mutate(client, outsider, JOIN, id=challenge["id"])
    assert refused["errors"] == [{"code": "NOT_FOUND", "field": "challengeId"}]
    not_mine = await create(
        client, outsider, "Not my group", "TASKS_COMPLETED", 5, groupId=group["groupId"]
    )
    assert not_mine["errors"] == [{"code": "NOT_FOUND", "field": "groupId"}]


async def test_bad_challenges_are_refused(client: httpx.AsyncClient) -> None:
    ana = await register(client)
    now = utcnow()
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"target": 0}, "INVALID_TARGET", "target"),
        ({"title": " "}, "EMPTY_TITLE", "title"),
        ({"endsAt": (now - timedelta(days=2)).isoformat()}, "INVALID_PERIOD", "endsAt"),
        (
            {
                "startsAt": (now - timedelta(days=3)).isoformat(),
                "endsAt": (now - timedelta(days=1)).isoformat(),
            },
            "ENDS_IN_PAST",
            "endsAt",
        ),
        ({"endsAt": (now + timedelta(days=91)).isoformat()}, "INVALID_PERIOD", "endsAt"),
        ({"startsAt": "2026-12-01T00:00:00"}, "INVALID_DATETIME", "startsAt"),
    ]
    for change, code, field in cases:
        fields = {"title": "Race", "metric": "TASKS_COMPLETED", "target": 3} | window() | change
        refused = await mutate(client, ana, CREATE, input=fields)
        assert refused == {"challenge": None, "errors": [{"code": code, "field": field}]}, change
    assert await titles(client, ana, LIST) == []


async def test_winners_are_named_once_after_the_end_with_their_badge(
    client: httpx.AsyncClient, session_factory: Factory, db: AsyncEngine
) -> None:
    admin = await register_with_role(client, db, Role.ADMIN)
    admin = Account(admin.id, admin.email, (await login(client, admin.email))["accessToken"], "")
    badge = await mutate(
        client,
        admin,
        """mutation { createBadge(input: {code: "FIRST_WIN", name: "First win",
            criterion: CHALLENGES_WON, threshold: 1}) { badge { id } errors { code } } }""",
    )
    assert badge["errors"] == []
    ana, ben = await register(client), await register(client)
    challenge = (await create(client, ana, "One task", "TASKS_COMPLETED", 1))["challenge"]
    await mutate(client, ben, JOIN, id=challenge["id"])
    task = await create_task(client, ben)
    await mutate(client, ben, COMPLETE, id=task)

    ended = utcnow() + timedelta(days=8)
    assert await settle_challenges(session_factory, ended) == 1
    assert await settle_challenges(session_factory, ended) == 0
    seen = await read(client, ana, challenge["id"])
    assert seen["settled"] is True
    assert [(p["userId"], p["won"]) for p in seen["standings"]] == [
        (ben.id, True),
        (ana.id, False),
    ]
    earned = await gql(client, "{ myBadges { badge { code } } }", account=ben)
    assert [b["badge"]["code"] for b in earned["data"]["myBadges"]] == ["FIRST_WIN"]
    # once settled, nothing moves it any more
    late = await create_task(client, ana)
    await mutate(client, ana, COMPLETE, id=late)
    assert (await read(client, ana, challenge["id"]))["myProgress"] == 0


async def test_the_challenge_board_ranks_its_participants_by_points(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    ana, ben, outsider = await register(client), await register(client), await register(client)
    challenge = (await create(client, ana, "Points", "TASKS_COMPLETED", 9))["challenge"]
    await mutate(client, ben, JOIN, id=challenge["id"])
    now = datetime.now(UTC)
    for account, minutes in ((ben, 60), (outsider, 90), (ana, 0)):
        await complete(session_factory, local(account), now, minutes=minutes)
    board = await leaderboard(
        session_factory,
        redis,
        viewer_of(outsider),  # a public challenge: anyone may read its board
        LeaderboardPeriod.ALL_TIME,
        LeaderboardScope.CHALLENGE,
        10,
        scope_id=from_global_id(challenge["id"])[1],
    )
    # 10 + 5 x 2 = 20 and 10 points, x 1.01 rounded: 20 and 10
    assert [(s.user_id, s.points) for s in board.entries] == [(local(ben), 20), (local(ana), 10)]
    assert board.me is None


async def test_following_a_challenge_ends_once_it_is_settled(
    client: httpx.AsyncClient, session_factory: Factory
) -> None:
    ana = await register(client)
    challenge = (await create(client, ana, "Followed", "TASKS_COMPLETED", 1))["challenge"]
    feed = follow_challenge(session_factory, viewer_of(ana), from_global_id(challenge["id"])[1])
    first = await anext(feed)
    assert (first.participants, first.challenge.settled_at) == (1, None)
    pending = asyncio.ensure_future(anext(feed))
    await asyncio.sleep(0.2)  # the feed waits for a change
    assert not pending.done()
    assert await settle_challenges(session_factory, utcnow() + timedelta(days=8)) == 1
    last = await asyncio.wait_for(pending, 5)
    assert last.challenge.settled_at is not None
    with pytest.raises(StopAsyncIteration):
        await anext(feed)
