"""Friend requests through the API, as clients make them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from db.base import utcnow
from tests.accounts import Account, gql, register
from tests.study_api import mutate

REQUEST_FIELDS = """request { id status sender { userId displayName }
    recipient { userId displayName } respondedAt } errors { code field }"""
SEND = (
    f"""mutation ($userId: ID!) {{ sendFriendRequest(userId: $userId) {{ {REQUEST_FIELDS} }} }}"""
)
RESPOND = f"""mutation ($requestId: ID!, $accept: Boolean!) {{
    respondToFriendRequest(requestId: $requestId, accept: $accept) {{ {REQUEST_FIELDS} }} }}"""
REMOVE = """mutation ($userId: ID!) { removeFriend(userId: $userId) {
    removed errors { code field } } }"""
FRIENDS = "{ friends(first: 20) { edges { node { userId displayName } } } }"
INCOMING = "{ friendRequests(first: 20) { edges { node { id status sender { userId } } } } }"
OUTGOING = """{ friendRequests(incoming: false, first: 20) {
    edges { node { id status recipient { userId } } } } }"""


async def send(client: httpx.AsyncClient, sender: Account, recipient_id: str) -> dict[str, Any]:
    return await mutate(client, sender, SEND, userId=recipient_id)


async def respond(
    client: httpx.AsyncClient, recipient: Account, request_id: str, accept: bool
) -> dict[str, Any]:
    return await mutate(client, recipient, RESPOND, requestId=request_id, accept=accept)


async def befriend(client: httpx.AsyncClient, a: Account, b: Account) -> None:
    sent = await send(client, a, b.id)
    assert sent["errors"] == [], sent
    answered = await respond(client, b, sent["request"]["id"], True)
    assert answered["request"]["status"] == "ACCEPTED", answered


async def friend_ids(client: httpx.AsyncClient, account: Account) -> list[str]:
    data = await _query(client, account, FRIENDS)
    return [edge["node"]["userId"] for edge in data["friends"]["edges"]]


async def _query(client: httpx.AsyncClient, account: Account, query: str) -> dict[str, Any]:
    body = await gql(client, query, account=account)
    assert "errors" not in body, body
    return dict(body["data"])


async def a_friend(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    friend = await register(client)
    await befriend(client, owner, friend)
    return {"friendId": friend.id}


async def a_request_to(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    """A pending request from a new user to `owner`."""
    sender = await register(client)
    sent = await send(client, sender, owner.id)
    return {"requestId": sent["request"]["id"]}


CREATE_GROUP = """mutation ($input: CreateStudyGroupInput!) { createStudyGroup(input: $input) {
    group { id inviteCode } errors { code } } }"""


async def _group(client: httpx.AsyncClient, owner: Account, visibility: str) -> dict[str, Any]:
    made = await mutate(
        client, owner, CREATE_GROUP, input={"name": "Study room", "visibility": visibility}
    )
    assert made["errors"] == [], made
    return {"groupId": made["group"]["id"]}


async def a_private_group(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    return await _group(client, owner, "PRIVATE")


async def a_public_group(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    return await _group(client, owner, "PUBLIC")


CREATE_CHALLENGE = """mutation ($input: CreateChallengeInput!) { createChallenge(input: $input) {
    challenge { id } errors { code } } }"""


async def a_group_challenge(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    """A challenge inside a private group of `owner`: only its members see it."""
    group = await a_private_group(client, owner)
    challenge = await a_group_challenge_of(client, owner, group["groupId"])
    return {"challengeId": challenge} | group


async def a_group_challenge_of(client: httpx.AsyncClient, owner: Account, group_id: str) -> str:
    """A week-long challenge of three completed tasks in the group; its id."""
    now = utcnow()
    made = await mutate(
        client,
        owner,
        CREATE_CHALLENGE,
        input={
            "title": "Race",
            "metric": "TASKS_COMPLETED",
            "target": 3,
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(days=7)).isoformat(),
            "groupId": group_id,
        },
    )
    assert made["errors"] == [], made
    return str(made["challenge"]["id"])
