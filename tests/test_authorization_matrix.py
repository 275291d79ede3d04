"""G13: every operation, role and (own or someone else's), at the root and on edges.

The table is the specification: each later domain adds its operations as rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models.users import Role
from tests.accounts import Account, login, register, register_with_role
from tests.graphql import post

OK = "ok"
NULL = "null"  # the field answers, but with nothing of the other user's


@dataclass(frozen=True)
class Row:
    operation: str
    query: str
    variables: Callable[[Account], dict[str, Any]]  # given the target account
    expected: dict[tuple[str, str], str]  # (role, "own" | "other") -> outcome


def no_variables(_: Account) -> dict[str, Any]:
    return {}


def target_id(target: Account) -> dict[str, Any]:
    return {"id": target.id}


EVERYONE_OWN = {"STUDENT": OK, "INSTRUCTOR": OK, "ADMIN": OK}

MATRIX = [
    Row(
        "me",
        "{ me { id } }",
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED"}
        | {(r, "own"): v for r, v in EVERYONE_OWN.items()},
    ),
    Row(
        "node(User)",
        "query ($id: ID!) { node(id: $id) { id } }",
        target_id,
        {
            ("ANONYMOUS", "other"): "UNAUTHENTICATED",
            ("STUDENT", "own"): OK,
            ("STUDENT", "other"): OK,
            ("INSTRUCTOR", "other"): OK,
            ("ADMIN", "other"): OK,
        },
    ),
    Row(
        "User.email",
        "query ($id: ID!) { node(id: $id) { ... on User { email } } }",
        target_id,
        {
            ("STUDENT", "own"): OK,
            ("STUDENT", "other"): NULL,
            ("INSTRUCTOR", "other"): NULL,
            ("ADMIN", "other"): OK,
        },
    ),
    Row(
        "User.preferences (edge)",
        "query ($id: ID!) { node(id: $id) { ... on User { preferences { timeZone } } } }",
        target_id,
        {
            ("STUDENT", "own"): OK,
            ("STUDENT", "other"): "FORBIDDEN",
            ("INSTRUCTOR", "other"): "FORBIDDEN",
            ("ADMIN", "other"): OK,
        },
    ),
    Row(
        "users",
        "{ users(first: 10) { edges { node { id email } } } }",
        no_variables,
        {
            ("ANONYMOUS", "other"): "UNAUTHENTICATED",
            ("STUDENT", "other"): "FORBIDDEN",
            ("INSTRUCTOR", "other"): "FORBIDDEN",
            ("ADMIN", "other"): OK,
        },
    ),
    Row(
        "setUserRole",
        "mutation ($id: ID!) { setUserRole(userId: $id, role: STUDENT) { errors { code } } }",
        target_id,
        {
            ("ANONYMOUS", "other"): "UNAUTHENTICATED",
            ("STUDENT", "other"): "FORBIDDEN",
            ("STUDENT", "own"): "FORBIDDEN",
            ("INSTRUCTOR", "other"): "FORBIDDEN",
            ("ADMIN", "other"): OK,
            ("ADMIN", "own"): "CANNOT_CHANGE_OWN_ROLE",
        },
    ),
    Row(
        "updateProfile",
        'mutation { updateProfile(input: {displayName: "Z"}) { user { id } errors { code } } }',
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED", ("STUDENT", "own"): OK},
    ),
    Row(
        "updatePreferences",
        "mutation { updatePreferences(input: {dayStartHour: 6}) { errors { code } } }",
        no_variables,
        {
            ("ANONYMOUS", "own"): "UNAUTHENTICATED",
            ("STUDENT", "own"): OK,
            ("INSTRUCTOR", "own"): OK,
        },
    ),
    Row(
        "deleteAccount",
        'mutation { deleteAccount(password: "wrong password here") { errors { code } } }',
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED", ("STUDENT", "own"): "INVALID_CREDENTIALS"},
    ),
    Row(
        "logoutEverywhere",
        "mutation { logoutEverywhere { ok } }",
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED", ("STUDENT", "own"): OK},
    ),
    Row(
        "exportMyData",
        "mutation { exportMyData { job { id } } }",
        no_variables,
        {("ANONYMOUS", "own"): "UNAUTHENTICATED"},
    ),
    Row(
        "job",
        'query { job(id: "Sm9iOjAxOTAwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMQ") { id } }',
        no_variables,
        {("ANONYMOUS", "other"): "UNAUTHENTICATED", ("STUDENT", "other"): NULL},
    ),
    Row(
        "logout",
        'mutation { logout(refreshToken: "unknown") { ok } }',
        no_variables,
        {("ANONYMOUS", "own"): OK, ("STUDENT", "own"): OK},
    ),
]

CASES = [
    pytest.param(row, role, whose, outcome, id=f"{row.operation}-{role}-{whose}")
    for row in MATRIX
    for (role, whose), outcome in row.expected.items()
]


def outcome_of(body: dict[str, Any]) -> str:
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    data = body["data"]
    payload = next(iter(data.values()))
    if isinstance(payload, dict) and payload.get("errors"):
        return str(payload["errors"][0]["code"])
    if _has_null_leaf(payload):
        return NULL
    return OK


def _has_null_leaf(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null_leaf(v) for k, v in value.items() if k != "errors")
    if isinstance(value, list):
        return any(_has_null_leaf(v) for v in value)
    return False


@pytest.mark.parametrize(("row", "role", "whose", "expected"), CASES)
async def test_matrix(
    client: httpx.AsyncClient, db: AsyncEngine, row: Row, role: str, whose: str, expected: str
) -> None:
    other = await register(client)
    caller: Account | None = None
    if role != "ANONYMOUS":
        registered = await register_with_role(client, db, Role(role))
        session = await login(client, registered.email)  # a token carrying the role
        caller = Account(registered.id, registered.email, session["accessToken"], "")
    target = caller if whose == "own" and caller is not None else other
    response = await post(
        client,
        row.query,
        row.variables(target),
        headers=caller.headers if caller else None,
    )
    assert outcome_of(response.json()) == expected, response.json()
