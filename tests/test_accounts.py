"""Registration, sign-in, profile, preferences and account deletion."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models.users import Preferences, RefreshToken, User
from tests.accounts import LOGIN, PASSWORD, REGISTER, gql, login, new_email, register
from tests.graphql import post

ME = "{ me { id displayName email role institution fieldOfStudy targetExamDate } }"


async def rows(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def test_register_login_refresh_me(client: httpx.AsyncClient) -> None:
    account = await register(client, email="  Ada.Lovelace@Example.ORG ")
    me = await gql(client, ME, account=account)
    assert me["data"]["me"] == {
        "id": account.id,
        "displayName": "Learner",
        "email": "ada.lovelace@example.org",
        "role": "STUDENT",
        "institution": None,
        "fieldOfStudy": None,
        "targetExamDate": None,
    }
    signed_in = await login(client, "ADA.LOVELACE@example.org")
    assert signed_in["errors"] == []
    assert signed_in["user"]["id"] == account.id


async def test_passwords_are_stored_as_argon2id_hashes(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    account = await register(client)
    async with db.connect() as conn:
        stored = await conn.scalar(select(User.password_hash).where(User.email == account.email))
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("email", "password", "name", "code", "field"),
    [
        ("not-an-email", PASSWORD, "A", "INVALID_EMAIL", "email"),
        ("x@example.org", "short", "A", "WEAK_PASSWORD", "password"),
        ("x@example.org", "password123", "A", "WEAK_PASSWORD", "password"),
        ("x@example.org", "aaaaaaaaaaaa", "A", "WEAK_PASSWORD", "password"),
        ("marguerite@example.org", "marguerite-2026!", "A", "WEAK_PASSWORD", "password"),
        ("x@example.org", PASSWORD, "   ", "INVALID_DISPLAY_NAME", "displayName"),
    ],
)
async def test_register_refuses_bad_input(
    client: httpx.AsyncClient,
    db: AsyncEngine,
    email: str,
    password: str,
    name: str,
    code: str,
    field: str,
) -> None:
    response = await post(
        client, REGISTER, {"input": {"email": email, "password": password, "displayName": name}}
    )
    payload = response.json()["data"]["register"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert payload["accessToken"] is None and payload["user"] is None
    assert await rows(db, User) == 0


async def test_email_taken_ignores_case(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    await register(client, email="taken@example.org")
    response = await post(
        client,
        REGISTER,
        {"input": {"email": "TAKEN@example.org", "password": PASSWORD, "displayName": "B"}},
    )
    assert response.json()["data"]["register"]["errors"] == [
        {"code": "EMAIL_TAKEN", "message": "An account with this email exists", "field": "email"}
    ]
    assert await rows(db, User) == 1


async def test_bad_credentials_look_the_same(client: httpx.AsyncClient) -> None:
    account = await register(client)
    wrong_password = await login(client, account.email, "not the password at all")
    unknown_email = await login(client, "nobody@example.org", PASSWORD)
    assert (
        wrong_password["errors"]
        == unknown_email["errors"]
        == [{"code": "INVALID_CREDENTIALS", "message": "Invalid email or password", "field": None}]
    )
    assert wrong_password["accessToken"] is None


async def test_login_locks_an_account_after_five_failures(client: httpx.AsyncClient) -> None:
    account = await register(client)
    for _ in range(5):
        assert (await login(client, account.email, "wrong password!!"))["errors"][0]["code"] == (
            "INVALID_CREDENTIALS"
        )
    # Even the right password is refused now, without being checked.
    assert (await login(client, account.email))["errors"][0]["code"] == "RATE_LIMITED"
    # Other accounts are not affected.
    other = await register(client)
    assert (await login(client, other.email))["errors"] == []


async def test_login_limits_attempts_per_ip(client: httpx.AsyncClient) -> None:
    emails = [new_email() for _ in range(21)]
    codes = []
    for email in emails:
        response = await post(client, LOGIN, {"input": {"email": email, "password": PASSWORD}})
        codes.append(response.json()["data"]["login"]["errors"][0]["code"])
    assert codes == ["INVALID_CREDENTIALS"] * 20 + ["RATE_LIMITED"]


async def test_update_profile(client: httpx.AsyncClient) -> None:
    account = await register(client)
    mutation = """mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) {
        user { displayName institution fieldOfStudy targetExamDate } errors { code field } } }"""
    changed = await gql(
        client,
        mutation,
        {
            "input": {
                "displayName": "  Ada  L. ",
                "institution": "ETH",
                "targetExamDate": "2027-06-01",
            }
        },
        account,
    )
    assert changed["data"]["updateProfile"] == {
        "user": {
            "displayName": "Ada L.",
            "institution": "ETH",
            "fieldOfStudy": None,
            "targetExamDate": "2027-06-01",
        },
        "errors": [],
    }
    refused = await gql(client, mutation, {"input": {"displayName": "x" * 101}}, account)
    assert refused["data"]["updateProfile"] == {
        "user": None,
        "errors": [{"code": "INVALID_DISPLAY_NAME", "field": "displayName"}],
    }
    me = await gql(client, ME, account=account)
    assert me["data"]["me"]["displayName"] == "Ada L."


PREFERENCES = """mutation ($input: PreferencesInput!) { updatePreferences(input: $input) {
    preferences { timeZone sessionMinutes breakMinutes dayStartHour notificationChannels
                  studyWindows { weekday start end } quietHours { start end } }
    errors { code field } } }"""


async def test_update_preferences(client: httpx.AsyncClient) -> None:
    account = await register(client)
    result = await gql(
        client,
        PREFERENCES,
        {
            "input": {
                "timeZone": "Europe/Paris",
                "sessionMinutes": 45,
                "breakMinutes": 15,
                "dayStartHour": 5,
                "notificationChannels": ["PUSH", "EMAIL"],
                "studyWindows": [
                    {"weekday": "TUESDAY", "start": "18:00:00", "end": "21:00:00"},
                    {"weekday": "MONDAY", "start": "07:30:00", "end": "09:00:00"},
                ],
                "quietHours": {"start": "22:00:00", "end": "07:00:00"},
            }
        },
        account,
    )
    assert result["data"]["updatePreferences"] == {
        "preferences": {
            "timeZone": "Europe/Paris",
            "sessionMinutes": 45,
            "breakMinutes": 15,
            "dayStartHour": 5,
            "notificationChannels": ["EMAIL", "PUSH"],
            "studyWindows": [
                {"weekday": "MONDAY", "start": "07:30:00", "end": "09:00:00"},
                {"weekday": "TUESDAY", "start": "18:00:00", "end": "21:00:00"},
            ],
            "quietHours": {"start": "22:00:00", "end": "07:00:00"},
        },
        "errors": [],
    }


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"timeZone": "Mars/Olympus"}, "INVALID_TIME_ZONE", "timeZone"),
        (
            {"studyWindows": [{"weekday": "MONDAY", "start": "10:00:00", "end": "09:00:00"}]},
            "INVALID_STUDY_WINDOW",
            "studyWindows[0]",
        ),
        (
            {
                "studyWindows": [
                    {"weekday": "MONDAY", "start": "08:00:00", "end": "10:00:00"},
                    {"weekday": "MONDAY", "start": "09:30:00", "end": "11:00:00"},
                ]
            },
            "INVALID_STUDY_WINDOW",
            "studyWindows",
        ),
        ({"sessionMinutes": 5}, "INVALID_SESSION_LENGTH", "sessionMinutes"),
        ({"breakMinutes": -1}, "INVALID_BREAK_LENGTH", "breakMinutes"),
        ({"dayStartHour": 24}, "INVALID_DAY_START", "dayStartHour"),
        (
            {"quietHours": {"start": "22:00:00", "end": "22:00:00"}},
            "INVALID_QUIET_HOURS",
            "quietHours",
        ),
        # One bad value refuses the whole change, including the valid parts.
        (
            {"timeZone": "Asia/Tokyo", "sessionMinutes": 1000},
            "INVALID_SESSION_LENGTH",
            "sessionMinutes",
        ),
    ],
)
async def test_bad_preferences_change_nothing(
    client: httpx.AsyncClient, change: dict[str, object], code: str, field: str
) -> None:
    account = await register(client)
    result = await gql(client, PREFERENCES, {"input": change}, account)
    assert result["data"]["updatePreferences"] == {
        "preferences": None,
        "errors": [{"code": code, "field": field}],
    }
    current = await gql(
        client,
        "{ me { preferences { timeZone sessionMinutes studyWindows { start } } } }",
        account=account,
    )
    assert current["data"]["me"]["preferences"] == {
        "timeZone": "UTC",
        "sessionMinutes": 50,
        "studyWindows": [],
    }


DELETE = "mutation ($p: String!) { deleteAccount(password: $p) { deletedUserId errors { code } } }"


async def test_delete_account_needs_the_password(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    account = await register(client)
    refused = await gql(client, DELETE, {"p": "not my password"}, account)
    assert refused["data"]["deleteAccount"] == {
        "deletedUserId": None,
        "errors": [{"code": "INVALID_CREDENTIALS"}],
    }
    assert await rows(db, User) == 1


async def test_delete_account_leaves_no_row(client: httpx.AsyncClient, db: AsyncEngine) -> None:
    other = await register(client)
    account = await register(client)
    await gql(client, PREFERENCES, {"input": {"timeZone": "Europe/Oslo"}}, account)
    await login(client, account.email)  # a second refresh-token family
    deleted = await gql(client, DELETE, {"p": PASSWORD}, account)
    assert deleted["data"]["deleteAccount"] == {"deletedUserId": account.id, "errors": []}
    async with db.connect() as conn:
        for model, column in (
            (User, User.id),
            (Preferences, Preferences.user_id),
            (RefreshToken, RefreshToken.user_id),
        ):
            remaining = (await conn.execute(select(column).select_from(model))).scalars().all()
            assert len(remaining) == 1, model  # only the other user's row
    assert (await login(client, account.email))["errors"][0]["code"] == "INVALID_CREDENTIALS"
    gone = await post(client, ME, headers=account.headers)
    assert gone.status_code == 401
    assert (await gql(client, ME, account=other))["data"]["me"]["id"] == other.id
