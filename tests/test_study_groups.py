"""Study groups through the API: finding, joining (public, by invite), the member limit
under concurrent joins, roles and the last admin, and the GROUP leaderboard. Runs on both
databases."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.accounts import PASSWORD, Account, gql, register
from tests.study_api import create_task, mutate

GROUP_FIELDS = """group { id name description visibility memberLimit memberCount myRole
    inviteCode } errors { code field }"""
CREATE = f"""mutation ($input: CreateStudyGroupInput!) {{
    createStudyGroup(input: $input) {{ {GROUP_FIELDS} }} }}"""
JOIN = f"""mutation ($groupId: ID!, $code: String) {{
    joinStudyGroup(groupId: $groupId, inviteCode: $code) {{ {GROUP_FIELDS} }} }}"""
LEAVE = """mutation ($groupId: ID!) { leaveStudyGroup(groupId: $groupId) {
    left errors { code field } } }"""
SET_ROLE = """mutation ($groupId: ID!, $userId: ID!, $role: GroupRole!) {
    setGroupMemberRole(groupId: $groupId, userId: $userId, role: $role) {
    member { userId role } errors { code field } } }"""
GROUP = """query ($id: ID!) { studyGroup(id: $id) { name memberCount myRole inviteCode
    members(first: 10) { edges { node { userId role } } } } }"""
SEARCH = """query ($search: String) { studyGroups(search: $search, first: 10) {
    edges { node { name } } } }"""
COMPLETE = "mutation ($id: ID!) { completeTask(id: $id) { errors { code } } }"


async def create(
    client: httpx.AsyncClient, owner: Account, name: str, **fields: Any
) -> dict[str, Any]:
    payload = await mutate(
        client, owner, CREATE, input={"name": name, "visibility": "PUBLIC"} | fields
    )
    return payload


async def join(
    client: httpx.AsyncClient, account: Account, group_id: str, code: str | None = None
) -> dict[str, Any]:
    return await mutate(client, account, JOIN, groupId=group_id, code=code)


async def read(client: httpx.AsyncClient, account: Account, group_id: str) -> Any:
    body = await gql(client, GROUP, {"id": group_id}, account=account)
    assert "errors" not in body, body
    return body["data"]["studyGroup"]


async def test_a_public_group_is_found_joined_and_shows_its_members(
    client: httpx.AsyncClient,
) -> None:
    ana, ben = await register(client), await register(client)
    made = await create(client, ana, "  Calculus   Crew ", description="Limits and series")
    group = made["group"]
    assert made["errors"] == []
    assert {k: v for k, v in group.items() if k not in ("id", "inviteCode")} == {
        "name": "Calculus Crew",
        "description": "Limits and series",
        "visibility": "PUBLIC",
        "memberLimit": 50,
        "memberCount": 1,
        "myRole": "ADMIN",
    }
    assert len(group["inviteCode"]) == 22
    await create(client, ben, "calculus 2")
    await create(client, ben, "Physics")
    await create(client, ben, "Calculus, privately", visibility="PRIVATE")
    found = await gql(client, SEARCH, {"search": "CALC"}, account=ana)
    names = [e["node"]["name"] for e in found["data"]["studyGroups"]["edges"]]
    assert names == ["Calculus Crew", "calculus 2"]
    literal = await gql(client, SEARCH, {"search": "100%"}, account=ana)
    assert literal["data"]["studyGroups"]["edges"] == []

    # to someone outside: no invite code, no member list
    assert await read(client, ben, group["id"]) == {
        "name": "Calculus Crew",
        "memberCount": 1,
        "myRole": None,
        "inviteCode": None,
        "members": None,
    }
    joined = await join(client, ben, group["id"])
    assert (joined["group"]["memberCount"], joined["group"]["myRole"]) == (2, "MEMBER")
    assert joined["group"]["inviteCode"] is None
    again = await join(client, ben, group["id"])
    assert again["errors"] == [{"code": "ALREADY_MEMBER", "field": None}]
    seen = await read(client, ben, group["id"])
    assert [e["node"] for e in seen["members"]["edges"]] == [
        {"userId": ana.id, "role": "ADMIN"},
        {"userId": ben.id, "role": "MEMBER"},
    ]


async def test_a_private_group_is_joined_only_with_its_code(client: httpx.AsyncClient) -> None:
    ana, ben = await register(client), await register(client)
    group = (await create(client, ana, "Secret study", visibility="PRIVATE"))["group"]
    assert await read(client, ben, group["id"]) is None
    for code in (None, "wrong", group["inviteCode"][:-1]):
        refused = await join(client, ben, group["id"], code)
        assert refused == {"group": None, "errors": [{"code": "NOT_FOUND", "field": "groupId"}]}
    joined = await join(client, ben, group["id"], group["inviteCode"])
    assert joined["group"]["memberCount"] == 2
    assert (await read(client, ben, group["id"]))["name"] == "Secret study"


async def test_bad_groups_are_refused(client: httpx.AsyncClient) -> None:
    ana = await register(client)
    for name, fields, code, field in (
        ("   ", {}, "EMPTY_TITLE", "name"),
        ("x" * 101, {}, "TITLE_TOO_LONG", "name"),
        ("Ok", {"memberLimit": 1}, "INVALID_MEMBER_LIMIT", "memberLimit"),
        ("Ok", {"memberLimit": 501}, "INVALID_MEMBER_LIMIT", "memberLimit"),
        ("Ok", {"description": "d" * 501}, "TEXT_TOO_LONG", "description"),
    ):
        refused = await create(client, ana, name, **fields)
        assert refused == {"group": None, "errors": [{"code": code, "field": field}]}
    found = await gql(client, SEARCH, {"search": "Ok"}, account=ana)
    assert found["data"]["studyGroups"]["edges"] == []
    too_long = await gql(client, SEARCH, {"search": "x" * 101}, account=ana)
    assert [
        (e["extensions"]["code"], e["extensions"].get("field")) for e in too_long["errors"]
    ] == [("SEARCH_TOO_LONG", "search")]


async def test_the_member_limit_holds_under_concurrent_joins(client: httpx.AsyncClient) -> None:
    ana = await register(client)
    group = (await create(client, ana, "Small room", memberLimit=3))["group"]
    joiners = [await register(client) for _ in range(6)]
    answers = await asyncio.gather(*(join(client, j, group["id"]) for j in joiners))
    codes = sorted(a["errors"][0]["code"] if a["errors"] else "OK" for a in answers)
    assert codes == ["GROUP_FULL"] * 4 + ["OK"] * 2
    assert (await read(client, ana, group["id"]))["memberCount"] == 3


async def test_roles_and_the_last_admin(client: httpx.AsyncClient) -> None:
    ana, ben, cal = await register(client), await register(client), await register(client)
    group = (await create(client, ana, "Roles"))["group"]
    await join(client, ben, group["id"])
    left = await mutate(client, ana, LEAVE, groupId=group["id"])
    assert left == {"left": False, "errors": [{"code": "LAST_ADMIN", "field": None}]}
    demoted = await mutate(client, ana, SET_ROLE, groupId=group["id"], userId=ana.id, role="MEMBER")
    assert demoted["errors"] == [{"code": "LAST_ADMIN", "field": None}]
    by_member = await mutate(
        client, ben, SET_ROLE, groupId=group["id"], userId=ben.id, role="ADMIN"
    )
    assert by_member["errors"] == [{"code": "NOT_GROUP_ADMIN", "field": "groupId"}]
    by_outsider = await mutate(
        client, cal, SET_ROLE, groupId=group["id"], userId=ben.id, role="MODERATOR"
    )
    assert by_outsider["errors"] == [{"code": "NOT_FOUND", "field": "groupId"}]
    not_member = await mutate(
        client, ana, SET_ROLE, groupId=group["id"], userId=cal.id, role="MODERATOR"
    )
    assert not_member["errors"] == [{"code": "NOT_FOUND", "field": "userId"}]

    promoted = await mutate(client, ana, SET_ROLE, groupId=group["id"], userId=ben.id, role="ADMIN")
    assert promoted == {"member": {"userId": ben.id, "role": "ADMIN"}, "errors": []}
    assert (await mutate(client, ana, LEAVE, groupId=group["id"]))["left"] is True
    assert (await mutate(client, ana, LEAVE, groupId=group["id"]))["errors"] == [
        {"code": "NOT_FOUND", "field": "groupId"}
    ]
    seen = await read(client, ben, group["id"])
    assert (seen["memberCount"], seen["myRole"]) == (1, "ADMIN")
    assert seen["inviteCode"] == group["inviteCode"]


async def test_a_deleted_account_leaves_its_groups(client: httpx.AsyncClient) -> None:
    ana, ben, cal = await register(client), await register(client), await register(client)
    group = (await create(client, ana, "Leavers"))["group"]
    await join(client, ben, group["id"])
    deleted = await mutate(
        client,
        ana,
        "mutation ($p: String!) { deleteAccount(password: $p) { deletedUserId errors { code } } }",
        p=PASSWORD,
    )
    assert deleted["errors"] == []
    seen = await read(client, ben, group["id"])
    assert (seen["memberCount"], seen["myRole"]) == (1, "MEMBER")
    # the group lost its only admin: whoever joins next takes it over
    joined = await join(client, cal, group["id"])
    assert (joined["group"]["memberCount"], joined["group"]["myRole"]) == (2, "ADMIN")
    assert joined["group"]["inviteCode"] == group["inviteCode"]


async def test_the_group_board_ranks_its_members(client: httpx.AsyncClient) -> None:
    ana, ben, cal, outsider = [await register(client) for _ in range(4)]
    group = (await create(client, ana, "Board"))["group"]
    for member in (ben, cal):
        await join(client, member, group["id"])
    # (10 + 5 x minutes // 30) x difficulty x 1.01, rounded: HARD 2 h -> 61; EASY 1 h -> 20
    for account, difficulty, minutes in (
        (ben, "HARD", 120),
        (ana, "EASY", 60),
        (outsider, "HARD", 120),
    ):
        task = await create_task(client, account, difficulty=difficulty, estimatedMinutes=minutes)
        assert (await mutate(client, account, COMPLETE, id=task))["errors"] == []
    query = """query ($id: ID) { leaderboard(period: ALL_TIME, scope: GROUP, scopeId: $id) {
        participants entries { userId points } me { rank } } }"""
    board = await gql(client, query, {"id": group["id"]}, account=ana)
    assert board["data"]["leaderboard"] == {
        "participants": 2,  # cal has no points; the outsider is not a member
        "entries": [{"userId": ben.id, "points": 61}, {"userId": ana.id, "points": 20}],
        "me": {"rank": 2},
    }
    refused = await gql(client, query, {"id": group["id"]}, account=outsider)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    missing = await gql(client, query, {"id": None}, account=ana)
    assert missing["errors"][0]["extensions"]["code"] == "SCOPE_ID_REQUIRED"
