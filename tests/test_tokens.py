"""A1 to A5 and A8 of HARDENING.md: access tokens are strict, refresh tokens single-use."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import AuthenticationError
from core.settings import Settings
from core.tokens import AccessTokens
from db.models.users import RefreshToken, Role
from tests.accounts import REFRESH, Account, gql, login, register, register_with_role
from tests.conftest import make_settings
from tests.graphql import post

ME = "{ me { id } }"


async def status_with(client: httpx.AsyncClient, token: str) -> int:
    response = await post(client, ME, headers={"authorization": f"Bearer {token}"})
    return response.status_code


def claims_of(account: Account) -> dict[str, object]:
    return dict(jwt.decode(account.access_token, options={"verify_signature": False}))


def sign(claims: dict[str, object], secret: str, **kwargs: object) -> str:
    headers = {"typ": "at+jwt", **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    return jwt.encode(claims, secret, algorithm=kwargs.pop("algorithm", "HS256"), headers=headers)  # type: ignore[arg-type]


# --- A1: alg none, HS/RS confusion -------------------------------------------------------


async def test_a1_alg_none_is_rejected(client: httpx.AsyncClient) -> None:
    account = await register(client)
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"at+jwt"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims_of(account)).encode()).rstrip(b"=").decode()
    assert await status_with(client, f"{header}.{body}.") == 401
    assert await status_with(client, account.access_token) == 200


def test_a1_hs_rs_confusion_is_rejected() -> None:
    """A token HMAC-signed with the public key never passes as RS256."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    tokens = AccessTokens(
        make_settings(jwt_algorithm="RS256", jwt_private_key=private_pem, jwt_public_key=public_pem)
    )
    genuine, _ = tokens.issue(uuid.uuid4(), role="STUDENT", token_version=0)
    assert tokens.verify(genuine).role == "STUDENT"
    claims = jwt.decode(genuine, options={"verify_signature": False})
    # pyjwt refuses to HMAC with a PEM key, so the attacker's token is assembled by hand.
    forged = _hmac_token(claims, public_pem.encode())
    with pytest.raises(AuthenticationError):
        tokens.verify(forged)


def _hmac_token(claims: dict[str, object], key: bytes) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (
        part(b'{"alg":"HS256","typ":"at+jwt"}') + "." + part(json.dumps(claims).encode())
    )
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


# --- A2: claims ---------------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "aud", "jti"])
async def test_a2_every_claim_is_required(
    client: httpx.AsyncClient, settings: Settings, claim: str
) -> None:
    account = await register(client)
    claims = claims_of(account)
    del claims[claim]
    assert await status_with(client, sign(claims, settings.jwt_secret.get_secret_value())) == 401


@pytest.mark.parametrize(
    ("claim", "value"),
    [("iss", "someone-else"), ("aud", "another-api"), ("sub", "not-a-uuid"), ("tv", 99)],
)
async def test_a2_wrong_claims_are_rejected(
    client: httpx.AsyncClient, settings: Settings, claim: str, value: object
) -> None:
    account = await register(client)
    claims = claims_of(account) | {claim: value}
    assert await status_with(client, sign(claims, settings.jwt_secret.get_secret_value())) == 401


async def test_a2_wrong_signature_is_rejected(client: httpx.AsyncClient) -> None:
    account = await register(client)
    assert await status_with(client, sign(claims_of(account), "x" * 40)) == 401


# --- A3: token types and lifetimes ------------------------------------------------------


async def test_a3_refresh_token_is_not_an_access_token(client: httpx.AsyncClient) -> None:
    account = await register(client)
    assert await status_with(client, account.refresh_token) == 401


@pytest.mark.parametrize(("where", "value"), [("claim", "refresh"), ("header", "JWT")])
async def test_a3_token_type_is_checked(
    client: httpx.AsyncClient, settings: Settings, where: str, value: str
) -> None:
    account = await register(client)
    secret = settings.jwt_secret.get_secret_value()
    if where == "claim":
        token = sign(claims_of(account) | {"typ": value}, secret)
    else:
        token = sign(claims_of(account), secret, headers={"typ": value})
    assert await status_with(client, token) == 401


@pytest.mark.parametrize(
    "shift",
    [
        {"exp": -60, "iat": -1000, "nbf": -1000},  # expired a minute ago
        {"nbf": 120, "iat": 0, "exp": 900},  # not valid yet
        {"iat": 120, "nbf": 0, "exp": 900},  # issued in the future
    ],
)
async def test_a3_time_claims_are_enforced(
    client: httpx.AsyncClient, settings: Settings, shift: dict[str, int]
) -> None:
    account = await register(client)
    now = int(datetime.now(UTC).timestamp())
    claims = claims_of(account) | {name: now + delta for name, delta in shift.items()}
    assert await status_with(client, sign(claims, settings.jwt_secret.get_secret_value())) == 401


async def test_a3_401_names_the_scheme(client: httpx.AsyncClient) -> None:
    response = await post(client, ME, headers={"authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_anonymous_me_is_unauthenticated(client: httpx.AsyncClient) -> None:
    response = await post(client, ME)
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- A4, A5: refresh rotation ------------------------------------------------------------


async def refresh(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await post(client, REFRESH, {"token": token})
    return dict(response.json()["data"]["refreshToken"])


async def test_refresh_rotates(client: httpx.AsyncClient) -> None:
    account = await register(client)
    rotated = await refresh(client, account.refresh_token)
    assert rotated["errors"] == []
    assert rotated["refreshToken"] != account.refresh_token
    assert await status_with(client, str(rotated["accessToken"])) == 200
    again = await refresh(client, str(rotated["refreshToken"]))
    assert again["errors"] == []


async def test_a4_reuse_revokes_the_family(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    account = await register(client)
    rotated = await refresh(client, account.refresh_token)
    reused = await refresh(client, account.refresh_token)
    assert reused["errors"] == [
        {
            "code": "REFRESH_TOKEN_REUSED",
            "message": "This refresh token was already used; sign in again",
            "field": None,
        }
    ]
    # The legitimate successor dies with the family.
    successor = await refresh(client, str(rotated["refreshToken"]))
    assert [e["code"] for e in successor["errors"]] == ["INVALID_REFRESH_TOKEN"]
    async with db.connect() as conn:
        revoked = (await conn.execute(select(RefreshToken.revoked_at))).scalars().all()
    assert len(revoked) == 2 and all(r is not None for r in revoked)


async def test_unknown_refresh_token(client: httpx.AsyncClient) -> None:
    result = await refresh(client, "made-up")
    assert [e["code"] for e in result["errors"]] == ["INVALID_REFRESH_TOKEN"]


async def test_a5_ten_concurrent_refreshes_mint_one(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    account = await register(client)
    results = await asyncio.gather(*(refresh(client, account.refresh_token) for _ in range(10)))
    minted = [r for r in results if r["errors"] == []]
    assert len(minted) == 1
    assert all(r["refreshToken"] is None for r in results if r["errors"])
    async with db.connect() as conn:
        tokens = (await conn.execute(select(RefreshToken))).all()
    assert len(tokens) == 2  # the original and the one minted


async def test_refresh_token_expires_when_idle(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    account = await register(client)
    async with db.begin() as conn:
        await conn.execute(
            update(RefreshToken).values(idle_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    result = await refresh(client, account.refresh_token)
    assert [e["code"] for e in result["errors"]] == ["INVALID_REFRESH_TOKEN"]


async def test_a_refresh_family_ends_30_days_after_sign_in_however_often_refreshed(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    account = await register(client)
    columns = (
        RefreshToken.created_at,
        RefreshToken.idle_expires_at,
        RefreshToken.family_expires_at,
    )
    async with db.connect() as conn:
        [(created, idle, family)] = (await conn.execute(select(*columns))).all()
    assert abs(family - created - timedelta(days=30)) < timedelta(seconds=5)
    assert abs(idle - created - timedelta(days=7)) < timedelta(seconds=5)

    # An hour before the family ends, a refresh gives a token that lives that hour only,
    # not seven more days.
    end = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    async with db.begin() as conn:
        await conn.execute(update(RefreshToken).values(family_expires_at=end, idle_expires_at=end))
    refreshed = await refresh(client, account.refresh_token)
    assert refreshed["errors"] == []
    unused = select(*columns[1:]).where(RefreshToken.used_at.is_(None))
    async with db.connect() as conn:
        assert (await conn.execute(unused)).all() == [(end, end)]

    # Once the family has ended, its newest token is refused, idle or not.
    past = datetime.now(UTC) - timedelta(seconds=1)
    async with db.begin() as conn:
        await conn.execute(update(RefreshToken).values(family_expires_at=past))
    result = await refresh(client, refreshed["refreshToken"])
    assert [e["code"] for e in result["errors"]] == ["INVALID_REFRESH_TOKEN"]


# --- logout and A8 -----------------------------------------------------------------------


async def test_logout_ends_this_session_only(client: httpx.AsyncClient) -> None:
    account = await register(client)
    other_session = await login(client, account.email)
    result = await gql(
        client,
        "mutation ($t: String) { logout(refreshToken: $t) { ok } }",
        {"t": account.refresh_token},
        account,
    )
    assert result["data"]["logout"] == {"ok": True}
    assert await status_with(client, account.access_token) == 401
    assert [e["code"] for e in (await refresh(client, account.refresh_token))["errors"]] == [
        "INVALID_REFRESH_TOKEN"
    ]
    assert await status_with(client, other_session["accessToken"]) == 200


async def test_a8_logout_everywhere_ends_every_token_at_once(client: httpx.AsyncClient) -> None:
    account = await register(client)
    second = await login(client, account.email)
    result = await gql(client, "mutation { logoutEverywhere { ok } }", account=account)
    assert result["data"]["logoutEverywhere"] == {"ok": True}
    assert await status_with(client, account.access_token) == 401
    assert await status_with(client, second["accessToken"]) == 401
    for token in (account.refresh_token, second["refreshToken"]):
        assert (await refresh(client, token))["errors"] != []


async def test_a8_role_change_ends_every_token_at_once(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    admin = await register_with_role(client, db, Role.ADMIN)
    # The role was set in the database after registering: sign in again to carry it.
    admin_session = await login(client, admin.email)
    admin_account = Account(admin.id, admin.email, admin_session["accessToken"], "")
    student = await register(client)
    changed = await gql(
        client,
        """mutation ($id: ID!) {
            setUserRole(userId: $id, role: INSTRUCTOR) { user { role } errors { code } } }""",
        {"id": student.id},
        admin_account,
    )
    assert changed["data"]["setUserRole"] == {"user": {"role": "INSTRUCTOR"}, "errors": []}
    assert await status_with(client, student.access_token) == 401
    assert (await refresh(client, student.refresh_token))["errors"] != []
