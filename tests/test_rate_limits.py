"""Operations a minute per user: queries and mutations each have their allowance; one over
it runs nothing and gets 429 with when to retry; other users are not affected."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import Settings
from graph.metrics import METRICS
from graph.rate_limits import WINDOW_SECONDS
from tests.accounts import Account, register
from tests.conftest import serve_app
from tests.graphql import post
from tests.process import studygraph_server
from tests.study_api import CREATE_GOAL
from tests.ws_client import Subscriber

ME = "{ me { id } }"
BOARD = "subscription { leaderboardUpdated(period: ALL_TIME) { sequence } }"
GOALS = "{ goals(first: 10) { edges { node { title } } } }"


async def inside_one_window(needed_seconds: float = 10.0) -> None:
    """Waits for the next minute when this one ends too soon for the test to fit in it."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < needed_seconds:
        await asyncio.sleep(left + 0.05)


def refused(response: httpx.Response, allowed: int, kind: str) -> None:
    assert response.status_code == 429
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW_SECONDS
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry_after}
    assert error["message"] == f"More than {allowed} {kind} a minute; retry in {retry_after} s."
    assert "data" not in response.json()


async def query(client: httpx.AsyncClient, account: Account, text: str) -> httpx.Response:
    return await post(client, text, headers=account.headers)


async def test_queries_over_the_allowance_are_refused_for_that_user_only(
    settings: Settings, db: AsyncEngine
) -> None:
    limited = settings.model_copy(update={"queries_per_minute": 3, "mutations_per_minute": 5})
    async with serve_app(limited) as client:
        me, other = await register(client), await register(client)
        await inside_one_window()
        for _ in range(3):
            assert (await query(client, me, ME)).json()["data"]["me"]["id"] == me.id
        counted = METRICS.errors["RATE_LIMITED"]
        refused(await query(client, me, ME), 3, "queries")
        assert METRICS.errors["RATE_LIMITED"] == counted + 1  # an operator sees it
        # Another user has an allowance of their own, and mutations have theirs.
        assert (await query(client, other, ME)).json()["data"]["me"]["id"] == other.id
        created = await post(
            client,
            CREATE_GOAL,
            {"input": {"title": "Still allowed", "category": "EXAM"}},
            headers=me.headers,
        )
        assert created.json()["data"]["createGoal"]["errors"] == []


async def test_a_mutation_over_the_allowance_changes_nothing(
    settings: Settings, db: AsyncEngine
) -> None:
    limited = settings.model_copy(update={"queries_per_minute": 50, "mutations_per_minute": 2})
    async with serve_app(limited) as client:
        me = await register(client)
        await inside_one_window()
        for title in ("First", "Second", "Third"):
            response = await post(
                client,
                CREATE_GOAL,
                {"input": {"title": title, "category": "EXAM"}},
                headers=me.headers,
            )
        refused(response, 2, "mutations")
        goals = (await query(client, me, GOALS)).json()["data"]["goals"]["edges"]
        assert sorted(edge["node"]["title"] for edge in goals) == ["First", "Second"]


async def test_signing_up_and_in_are_not_counted_against_an_address(
    settings: Settings, db: AsyncEngine
) -> None:
    """Many students share one address behind a school's gateway: only signed-in users
    have an allowance (sign-in has limits of its own)."""
    limited = settings.model_copy(update={"queries_per_minute": 1, "mutations_per_minute": 1})
    async with serve_app(limited) as client:
        await inside_one_window()
        accounts = [await register(client) for _ in range(3)]
        assert len({account.id for account in accounts}) == 3


def test_the_defaults_are_600_queries_and_60_mutations_a_minute() -> None:
    fields = Settings.model_fields
    assert (fields["queries_per_minute"].default, fields["mutations_per_minute"].default) == (
        600,
        60,
    )


async def test_a_subscription_over_the_allowance_does_not_start(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Over WebSocket too: starting a subscription counts as a query, and one over the
    allowance gets the error instead of a feed."""
    if os.environ.get("REDIS_URL"):
        pytest.skip("the embedded default needs REDIS_URL unset")
    workdir = tmp_path_factory.mktemp("limited")
    env = {
        "ENV": "development",
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'limited.db'}",
        "QUERIES_PER_MINUTE": "2",
    }
    with studygraph_server(env, cwd=workdir) as (base, _process):
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            me = await register(http)
        await inside_one_window()
        async with Subscriber(base, me.access_token) as client:
            ops = [await client.subscribe(BOARD) for _ in range(3)]
            message = await client.receive()
            assert (message["type"], message["id"]) == ("next", ops[2])
            [error] = message["payload"]["errors"]
            assert error["extensions"]["code"] == "RATE_LIMITED"
            assert message["payload"].get("data") is None
            assert await client.receive() == {"id": ops[2], "type": "complete"}
            assert await client.nothing_within(0.5)  # the first two started, quietly
