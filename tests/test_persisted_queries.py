"""Automatic persisted queries (Apollo's wire format) over POST and GET, kept in Redis for
every api instance."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import orjson

from core.redis import create_redis
from core.settings import Settings
from tests.conftest import serve_app
from tests.graphql import GRAPHQL_RESPONSE_JSON

QUERY = "{ __typename }"
JSON = "application/json"


def digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(query: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest(query)}}


async def send(
    client: httpx.AsyncClient,
    extensions: dict[str, Any],
    query: str | None = None,
    accept: str = JSON,
) -> httpx.Response:
    body: dict[str, Any] = {"extensions": extensions}
    if query is not None:
        body["query"] = query
    return await client.post("/graphql", json=body, headers={"accept": accept})


def refused(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


async def test_an_unknown_hash_is_asked_for_then_learnt_and_run_by_hash(
    client: httpx.AsyncClient,
) -> None:
    first = await send(client, persisted(QUERY))
    assert first.status_code == 200
    assert first.json() == refused("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
    learnt = await send(client, persisted(QUERY), QUERY)
    assert learnt.json() == {"data": {"__typename": "Query"}}
    by_hash = await send(client, persisted(QUERY))
    assert by_hash.json() == {"data": {"__typename": "Query"}}
    over_get = await client.get(
        "/graphql",
        params={"extensions": orjson.dumps(persisted(QUERY)).decode()},
        headers={"accept": JSON},
    )
    assert over_get.json() == {"data": {"__typename": "Query"}}


async def test_not_found_is_a_request_error_of_the_negotiated_media_type(
    client: httpx.AsyncClient,
) -> None:
    response = await send(
        client, persisted("{ serverInfo { version } }"), accept=GRAPHQL_RESPONSE_JSON
    )
    assert response.status_code == 400
    assert response.json() == refused("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")


async def test_a_query_under_another_hash_is_refused_and_not_stored(
    client: httpx.AsyncClient,
) -> None:
    claimed = persisted("{ me { id } }")
    mismatch = await send(client, claimed, QUERY)
    assert mismatch.json() == refused(
        "provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH"
    )
    still_unknown = await send(client, claimed)
    assert still_unknown.json() == refused("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")


async def test_another_version_or_a_bad_hash_is_refused(client: httpx.AsyncClient) -> None:
    version_two = await send(client, persisted(QUERY, version=2), QUERY)
    assert version_two.json() == refused(
        "Unsupported persisted query version", "PERSISTED_QUERY_NOT_SUPPORTED"
    )
    short = await send(client, {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}, QUERY)
    assert short.json() == refused("`sha256Hash` must be the query's SHA-256 in hex", "BAD_REQUEST")


async def test_a_persisted_document_meets_every_limit_and_rule(
    client: httpx.AsyncClient,
) -> None:
    too_long = "{ __typename }\n#" + "x" * 15_000
    oversized = await send(client, persisted(too_long), too_long)
    assert oversized.status_code == 413
    assert oversized.json() == refused("The query exceeds 15000 characters", "QUERY_TOO_LARGE")
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
    await send(client, persisted(aliases), aliases)
    by_hash = await send(client, persisted(aliases))
    assert by_hash.json()["errors"][0]["message"] == "16 aliases found. Allowed: 15"
    mutation = 'mutation { logout(refreshToken: "x") { __typename } }'
    await send(client, persisted(mutation), mutation)
    over_get = await client.get(
        "/graphql",
        params={"extensions": orjson.dumps(persisted(mutation)).decode()},
        headers={"accept": JSON},
    )
    assert over_get.status_code == 405


async def test_a_hash_learnt_by_one_instance_is_known_to_another(settings: Settings) -> None:
    query = "{ serverInfo { version } }"
    async with serve_app(settings) as one, serve_app(settings) as other:
        await send(one, persisted(query), query)
        answer = await send(other, persisted(query))
    assert answer.json()["data"]["serverInfo"]["version"]
    redis = create_redis(settings)
    try:
        ttl = await redis.ttl(f"apq:{digest(query)}")
    finally:
        await redis.aclose()
    # Kept a day from its last use.
    assert settings.persisted_query_ttl_seconds - 5 <= ttl <= settings.persisted_query_ttl_seconds
