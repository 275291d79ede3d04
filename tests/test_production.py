"""The production switches: no introspection, no suggestions, no GraphiQL, no GET mutations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_settings, serve_app
from tests.graphql import error_codes, post

SECRET = "a-production-grade-secret-of-more-than-32-bytes"


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        env="production",
        jwt_secret=SECRET,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
    )
    async with serve_app(settings) as client:
        yield client


@pytest.fixture
async def development(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        env="development", database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    )
    async with serve_app(settings) as client:
        yield client


async def test_introspection_is_off_in_production(production: httpx.AsyncClient) -> None:
    for query, field in (
        ("{ __schema { queryType { name } } }", "__schema"),
        ('{ __type(name: "Query") { name } }', "__type"),
    ):
        response = await post(production, query)
        assert response.status_code == 400
        assert set(error_codes(response)) == {"GRAPHQL_VALIDATION_FAILED"}
        assert response.json()["errors"][0]["message"] == (
            "GraphQL introspection has been disabled, but the requested query contained "
            f"the field '{field}'."
        )
    # __typename is not introspection of the schema and stays available.
    assert (await post(production, "{ __typename }")).json() == {"data": {"__typename": "Query"}}


async def test_introspection_is_on_in_development(development: httpx.AsyncClient) -> None:
    response = await post(development, '{ __type(name: "Query") { name } }')
    assert response.json() == {"data": {"__type": {"name": "Query"}}}


async def test_no_field_suggestions_in_production(production: httpx.AsyncClient) -> None:
    response = await post(production, "{ serverInf { version } }")
    assert response.json()["errors"][0]["message"] == (
        "Cannot query field 'serverInf' on type 'Query'."
    )


async def test_field_suggestions_in_development(development: httpx.AsyncClient) -> None:
    response = await post(development, "{ serverInf { version } }")
    assert "Did you mean 'serverInfo'?" in response.json()["errors"][0]["message"]


async def test_no_graphiql_in_production(production: httpx.AsyncClient) -> None:
    response = await production.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 406
    assert "text/html" not in response.headers["content-type"]


async def test_graphiql_in_development(development: httpx.AsyncClient) -> None:
    response = await development.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()
    # Subscriptions from the page carry the headers editor's token in `connection_init`.
    assert "wsConnectionParams: authorization ? { authorization } : {}" in response.text


async def test_no_mutations_over_get_in_production(production: httpx.AsyncClient) -> None:
    response = await production.get("/graphql", params={"query": "mutation { x }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
