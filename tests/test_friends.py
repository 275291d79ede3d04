"""Friends through the API: asking, answering, crossing requests, limits, and the FRIENDS
leaderboard. Runs on both databases (the crossing requests race on PostgreSQL's locks)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, insert, select

from core.errors import UserInputError
from core.ids import from_global_id, to_global_id
from db.models.friends import Friendship
from resolvers.gamification.leaderboards import LeaderboardPeriod, LeaderboardScope, leaderboard
from resolvers.social.friends import MAX_FRIENDS
from tests.accounts import PASSWORD, Account, gql, register, viewer_of
from tests.gamification_helpers import Factory, complete, new_users
from tests.social_api import (
    INCOMING,
    OUTGOING,
    REMOVE,
    befriend,
    friend_ids,
    respond,
    send,
)
from tests.study_api import create_task, mutate

COMPLETE = "mutation ($id: ID!) { completeTask(id: $id) { errors { code } } }"

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def local(account: Account) -> uuid.UUID:
    return from_global_id(account.id)[1]


async def data(client: httpx.AsyncClient, account: Account, query: str) -> dict[str, Any]:
    body = await gql(client, query, account=account)
    assert "errors" not in body, body
    return dict(body["data"])


async def test_a_request_accepted_makes_friends_both_ways(client: httpx.AsyncClient) -> None:
    ana, ben = await register(client), await register(client)
    sent = await send(client, ana, ben.id)
    assert sent["errors"] == []
    assert sent["request"]["status"] == "PENDING"
    assert sent["request"]["sender"] == {"userId": ana.id, "displayName": "Learner"}
    assert sent["request"]["recipient"]["userId"] == ben.id
    incoming = await data(client, ben, INCOMING)
    assert [e["node"] for e in incoming["friendRequests"]["edges"]] == [
        {"id": sent["request"]["id"], "status": "PENDING", "sender": {"userId": ana.id}}
    ]
    outgoing = await data(client, ana, OUTGOING)
    assert [e["node"]["recipient"] for e in outgoing["friendRequests"]["edges"]] == [
        {"userId": ben.id}
    ]
    # asking again while it is pending returns the same request
    again = await send(client, ana, ben.id)
    assert again["request"]["id"] == sent["request"]["id"]

    answered = await respond(client, ben, sent["request"]["id"], True)
    assert answered["errors"] == []
    assert answered["request"]["status"] == "ACCEPTED"
    assert answered["request"]["respondedAt"] is not None
    assert await friend_ids(client, ana) == [ben.id]
    assert await friend_ids(client, ben) == [ana.id]
    assert (await data(client, ben, INCOMING))["friendRequests"]["edges"] == []
    assert (await data(client, ana, OUTGOING))["friendRequests"]["edges"] == []


async def test_bad_requests_are_refused_and_change_nothing(client: httpx.AsyncClient) -> None:
    ana, ben, cal = await register(client), await register(client), await register(client)
    assert (await send(client, ana, ana.id))["errors"] == [
        {"code": "CANNOT_FRIEND_SELF", "field": None}
    ]
    nobody = to_global_id("User", "0190f0f0-0000-7000-8000-000000000000")
    assert (await send(client, ana, nobody))["errors"] == [{"code": "NOT_FOUND", "field": "userId"}]
    not_a_user = to_global_id("Task", local(ben))
    assert (await send(client, ana, not_a_user))["errors"] == [
        {"code": "NOT_FOUND", "field": "userId"}
    ]
    sent = await send(client, ana, ben.id)
    request_id = sent["request"]["id"]
    # only the recipient answers: to the sender and to anyone else it does not exist
    for who in (ana, cal):
        refused = await respond(client, who, request_id, True)
        assert refused == {"request": None, "errors": [{"code": "NOT_FOUND", "field": "requestId"}]}
    assert await friend_ids(client, ana) == []
    await respond(client, ben, request_id, True)
    twice = await respond(client, ben, request_id, False)
    assert twice["errors"] == [{"code": "REQUEST_NOT_PENDING", "field": None}]
    assert (await send(client, ben, ana.id))["errors"] == [
        {"code": "ALREADY_FRIENDS", "field": None}
    ]
    assert await friend_ids(client, ana) == [ben.id]


async def test_a_declined_request_cannot_be_pressed_but_the_other_may_ask(
    client: httpx.AsyncClient,
) -> None:
    ana, ben = await register(client), await register(client)
    sent = await send(client, ana, ben.id)
    declined = await respond(client, ben, sent["request"]["id"], False)
    assert declined["request"]["status"] == "DECLINED"
    assert (await send(client, ana, ben.id))["errors"] == [
        {"code": "REQUEST_DECLINED", "field": None}
    ]
    assert (await data(client, ben, INCOMING))["friendRequests"]["edges"] == []
    theirs = await send(client, ben, ana.id)
    assert theirs["request"]["status"] == "PENDING"
    assert theirs["request"]["sender"]["userId"] == ben.id
    await respond(client, ana, theirs["request"]["id"], True)
    assert await friend_ids(client, ana) == [ben.id]


async def test_asking_someone_who_asked_me_accepts_theirs(client: httpx.AsyncClient) -> None:
    ana, ben = await register(client), await register(client)
    theirs = await send(client, ben, ana.id)
    mine = await send(client, ana, ben.id)
    assert mine["errors"] == []
    assert mine["request"]["id"] == theirs["request"]["id"]
    assert mine["request"]["status"] == "ACCEPTED"
    assert await friend_ids(client, ben) == [ana.id]


async def test_two_people_asking_each_other_at_once_become_friends_once(
    client: httpx.AsyncClient, session_factory: Factory
) -> None:
    for _ in range(5):
        ana, ben = await register(client), await register(client)
        first, second = await asyncio.gather(send(client, ana, ben.id), send(client, ben, ana.id))
        statuses = sorted([first["request"]["status"], second["request"]["status"]])
        # the two took turns: one asked, and the other's ask met that request and accepted it
        assert statuses == ["ACCEPTED", "PENDING"], (first, second)
        assert first["request"]["id"] == second["request"]["id"]
        assert await friend_ids(client, ana) == [ben.id]
        async with session_factory() as session:
            rows = await session.scalar(
                select(func.count())
                .select_from(Friendship)
                .where(Friendship.user_id.in_([local(ana), local(ben)]))
            )
            assert rows == 2  # one each way


async def test_ending_a_friendship_and_asking_again(client: httpx.AsyncClient) -> None:
    ana, ben = await register(client), await register(client)
    await befriend(client, ana, ben)
    removed = await mutate(client, ben, REMOVE, userId=ana.id)
    assert removed == {"removed": True, "errors": []}
    assert await friend_ids(client, ana) == []
    again = await mutate(client, ben, REMOVE, userId=ana.id)
    assert again == {"removed": False, "errors": [{"code": "NOT_FRIENDS", "field": "userId"}]}
    reopened = await send(client, ana, ben.id)
    assert reopened["request"]["status"] == "PENDING"
    assert reopened["request"]["respondedAt"] is None
    await respond(client, ben, reopened["request"]["id"], True)
    assert await friend_ids(client, ben) == [ana.id]


async def test_the_friend_limit(client: httpx.AsyncClient, session_factory: Factory) -> None:
    ana, ben = await register(client), await register(client)
    others = await new_users(session_factory, MAX_FRIENDS)
    async with session_factory() as session:
        rows = [{"user_id": local(ana), "friend_id": o, "created_at": NOW} for o in others]
        await session.execute(insert(Friendship), rows)
        await session.commit()
    refused = await send(client, ana, ben.id)
    assert refused["errors"] == [{"code": "FRIEND_LIMIT_REACHED", "field": None}]
    # asked by someone else, the full side cannot accept either
    sent = await send(client, ben, ana.id)
    assert sent["errors"] == [{"code": "FRIEND_LIMIT_REACHED", "field": None}]
    assert (await data(client, ana, INCOMING))["friendRequests"]["edges"] == []


async def test_a_deleted_account_leaves_its_friends(client: httpx.AsyncClient) -> None:
    ana, ben = await register(client), await register(client)
    await befriend(client, ana, ben)
    deleted = await mutate(
        client,
        ben,
        "mutation ($p: String!) { deleteAccount(password: $p) { deletedUserId errors { code } } }",
        p=PASSWORD,
    )
    assert deleted["errors"] == []
    assert await friend_ids(client, ana) == []


async def test_the_friends_board_ranks_me_among_my_friends(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    accounts = [await register(client) for _ in range(5)]
    me, f1, f2, f3, stranger = accounts
    for friend in (f1, f2, f3):
        await befriend(client, me, friend)
    # 10, 15, 20 and 25 points x 1.01 (a one-day streak), rounded: 10, 15, 20, 25
    for account, minutes in ((me, 30), (f1, 60), (f2, 0), (stranger, 90)):
        await complete(session_factory, local(account), NOW, minutes=minutes)
    board = await leaderboard(
        session_factory,
        redis,
        viewer_of(me),
        LeaderboardPeriod.WEEKLY,
        LeaderboardScope.FRIENDS,
        2,
        now=NOW,
    )
    # f3 has no points and the stranger is no friend: neither is ranked
    assert board.participants == 3
    assert [(s.rank, s.user_id, s.points) for s in board.entries] == [
        (1, local(f1), 20),
        (2, local(me), 15),
    ]
    assert board.me is not None and (board.me.rank, board.me.points) == (2, 15)
    assert [(s.rank, s.user_id) for s in board.around_me] == [
        (1, local(f1)),
        (2, local(me)),
        (3, local(f2)),
    ]
    for scope_id, code in ((local(f1), "NOT_FOUND"),):
        with pytest.raises(UserInputError) as refused:
            await leaderboard(
                session_factory,
                redis,
                viewer_of(me),
                LeaderboardPeriod.WEEKLY,
                LeaderboardScope.FRIENDS,
                2,
                now=NOW,
                scope_id=scope_id,
            )
        assert refused.value.code == code


async def test_the_friends_board_through_the_api(client: httpx.AsyncClient) -> None:
    me, friend, stranger = await register(client), await register(client), await register(client)
    await befriend(client, me, friend)
    for account in (friend, stranger):
        # a HARD task of 2 hours: (10 + 20) x 2 x 1.01 (a one-day streak) -> 61 points
        task = await create_task(client, account, difficulty="HARD", estimatedMinutes=120)
        done = await mutate(client, account, COMPLETE, id=task)
        assert done["errors"] == []
    query = """query ($scopeId: ID) { leaderboard(period: ALL_TIME, scope: FRIENDS,
        scopeId: $scopeId) { scope participants entries { userId points } } }"""
    for scope_id in (None, me.id):
        board = await gql(client, query, {"scopeId": scope_id}, account=me)
        assert board["data"]["leaderboard"] == {
            "scope": "FRIENDS",
            "participants": 1,  # I have no points yet, and the stranger is no friend
            "entries": [{"userId": friend.id, "points": 61}],
        }
    refused = await gql(client, query, {"scopeId": friend.id}, account=me)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    group = await gql(
        client, "{ leaderboard(period: WEEKLY, scope: GROUP) { participants } }", account=me
    )
    assert group["errors"][0]["extensions"]["code"] == "SCOPE_ID_REQUIRED"
