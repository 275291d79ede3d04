"""Helpers that sign users up and in through the API, as clients do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import from_global_id
from db.base import utcnow
from db.models.users import Role, User
from resolvers.access import Viewer
from tests.graphql import post

PASSWORD = "correct horse battery staple"
_numbers = count(1)

AUTH_FIELDS = """
    user { id displayName email role }
    accessToken accessTokenExpiresAt refreshToken
    errors { code message field }
"""
REGISTER = f"mutation ($input: RegisterInput!) {{ register(input: $input) {{ {AUTH_FIELDS} }} }}"
LOGIN = f"mutation ($input: LoginInput!) {{ login(input: $input) {{ {AUTH_FIELDS} }} }}"
REFRESH = f"mutation ($token: String!) {{ refreshToken(refreshToken: $token) {{ {AUTH_FIELDS} }} }}"


@dataclass
class Account:
    id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.access_token}"}


def new_email() -> str:
    return f"learner{next(_numbers)}@example.org"


async def register(
    client: httpx.AsyncClient, email: str | None = None, password: str = PASSWORD
) -> Account:
    email = email or new_email()
    response = await post(
        client,
        REGISTER,
        {"input": {"email": email, "password": password, "displayName": "Learner"}},
    )
    payload = response.json()["data"]["register"]
    assert payload["errors"] == [], payload["errors"]
    return Account(payload["user"]["id"], email, payload["accessToken"], payload["refreshToken"])


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await post(client, LOGIN, {"input": {"email": email, "password": password}})
    return dict(response.json()["data"]["login"])


async def make_role(engine: AsyncEngine, email: str, role: Role) -> None:
    """Give an account a role directly in the database (there is no first admin otherwise)."""
    async with engine.begin() as conn:
        await conn.execute(update(User).where(User.email == email).values(role=role))


async def register_with_role(client: httpx.AsyncClient, engine: AsyncEngine, role: Role) -> Account:
    account = await register(client)
    await make_role(engine, account.email, role)
    return account


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    account: Account | None = None,
) -> dict[str, Any]:
    response = await post(client, query, variables, headers=account.headers if account else None)
    return dict(response.json())


def viewer_of(account: Account) -> Viewer:
    """The viewer a request of this account would carry."""
    return Viewer(
        user_id=from_global_id(account.id)[1],
        role=Role.STUDENT,
        token_id="t",
        token_expires_at=utcnow() + timedelta(hours=1),
    )
