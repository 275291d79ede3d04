"""Small helpers for talking GraphQL to the app under test."""

from __future__ import annotations

from typing import Any

import httpx

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    accept: str = GRAPHQL_RESPONSE_JSON,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return await client.post("/graphql", json=body, headers={"accept": accept, **(headers or {})})


def error_codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]
