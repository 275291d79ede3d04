"""GraphQL over HTTP as its specification says: media types, methods and status codes."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.graphql import GRAPHQL_RESPONSE_JSON, error_codes, post

APPLICATION_JSON = "application/json"


async def test_no_accept_header_answers_graphql_response_json(client: httpx.AsyncClient) -> None:
    request = client.build_request(
        "POST",
        "/graphql",
        content=json.dumps({"query": "{ __typename }"}),
        headers={"content-type": APPLICATION_JSON},
    )
    del request.headers["accept"]  # httpx sends */* unless told otherwise
    response = await client.send(request)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (APPLICATION_JSON, APPLICATION_JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        ("*/*", APPLICATION_JSON),
        (f"{APPLICATION_JSON};q=0.5, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0.2, {APPLICATION_JSON};q=0.9", APPLICATION_JSON),
        (f"text/html, {APPLICATION_JSON};charset=utf-8", APPLICATION_JSON),
    ],
)
async def test_response_media_type_follows_accept(
    client: httpx.AsyncClient, accept: str, expected: str
) -> None:
    response = await post(client, "{ __typename }", accept=accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{expected}; charset=utf-8"


@pytest.mark.parametrize("accept", ["text/plain", "application/xml", f"{APPLICATION_JSON};q=0"])
async def test_unsupported_accept_is_406(client: httpx.AsyncClient, accept: str) -> None:
    response = await post(client, "{ __typename }", accept=accept)
    assert response.status_code == 406
    assert error_codes(response) == ["NOT_ACCEPTABLE"]


@pytest.mark.parametrize(
    ("query", "code"),
    [("{", "GRAPHQL_PARSE_FAILED"), ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED")],
)
async def test_request_errors_are_400_with_graphql_response_json(
    client: httpx.AsyncClient, query: str, code: str
) -> None:
    response = await post(client, query)
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert error_codes(response) == [code]


@pytest.mark.parametrize("query", ["{", "{ noSuchField }"])
async def test_request_errors_are_200_with_legacy_json(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await post(client, query, accept=APPLICATION_JSON)
    assert response.status_code == 200
    assert "data" not in response.json()
    assert len(response.json()["errors"]) == 1


async def test_variable_coercion_failure_is_a_request_error(client: httpx.AsyncClient) -> None:
    response = await post(client, "query ($id: ID!) { node(id: $id) { id } }", {"id": None})
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_field_error_keeps_data_and_status_200(client: httpx.AsyncClient) -> None:
    response = await post(client, '{ node(id: "not-a-global-id") { id } }')
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"node": None}
    assert body["errors"][0]["path"] == ["node"]
    assert error_codes(response) == ["INVALID_ID"]


@pytest.mark.parametrize(
    ("content", "accept"),
    [
        (b"NONSENSE", GRAPHQL_RESPONSE_JSON),
        (b'{"query":', APPLICATION_JSON),
        (b'{"qeury": "{ __typename }"}', GRAPHQL_RESPONSE_JSON),
        (b'{"query": 7}', APPLICATION_JSON),
        (b'{"query": "{ __typename }", "variables": [7]}', GRAPHQL_RESPONSE_JSON),
        (b'{"query": "{ __typename }", "operationName": 3}', APPLICATION_JSON),
        (b'{"query": "{ __typename }", "extensions": "x"}', GRAPHQL_RESPONSE_JSON),
        (b'"just a string"', APPLICATION_JSON),
    ],
)
async def test_ill_formed_requests_are_400_for_both_media_types(
    client: httpx.AsyncClient, content: bytes, accept: str
) -> None:
    response = await client.post(
        "/graphql", content=content, headers={"content-type": APPLICATION_JSON, "accept": accept}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    assert error_codes(response) == ["BAD_REQUEST"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; charset=latin-1"])
async def test_post_needs_json_content_type(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"accept": GRAPHQL_RESPONSE_JSON}
    if content_type:
        headers["content-type"] = content_type
    response = await client.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
    )
    assert response.status_code == 415
    assert error_codes(response) == ["UNSUPPORTED_MEDIA_TYPE"]


async def test_get_runs_queries_with_json_encoded_parameters(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql",
        params={
            "query": "query Q($id: ID!) { node(id: $id) { id } t: __typename }",
            "variables": json.dumps({"id": "bm9wZTo3"}),
            "operationName": "Q",
        },
        headers={"accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 200
    assert response.json()["data"]["t"] == "Query"


async def test_get_with_malformed_variables_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": "{ __typename }", "variables": "{not json"}
    )
    assert response.status_code == 400
    assert error_codes(response) == ["BAD_REQUEST"]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, APPLICATION_JSON])
async def test_mutation_over_get_is_405_with_allow(client: httpx.AsyncClient, accept: str) -> None:
    response = await client.get(
        "/graphql", params={"query": "mutation { anything }"}, headers={"accept": accept}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert error_codes(response) == ["METHOD_NOT_ALLOWED"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_methods_are_405(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_array_batching_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}],
        headers={"accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 400
    assert error_codes(response) == ["BATCHING_DISABLED"]


async def test_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    padding = "x" * 100_001
    response = await client.post(
        "/graphql",
        json={"query": "{ __typename }", "extensions": {"padding": padding}},
        headers={"accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 413
    assert error_codes(response) == ["BODY_TOO_LARGE"]


async def test_oversized_body_without_content_length_is_413(client: httpx.AsyncClient) -> None:
    async def chunks():  # streamed: the size is only known while reading
        yield b'{"query": "{ __typename }", "extensions": {"padding": "'
        for _ in range(11):
            yield b"x" * 10_000
        yield b'"}}'

    response = await client.post(
        "/graphql",
        content=chunks(),
        headers={"accept": GRAPHQL_RESPONSE_JSON, "content-type": APPLICATION_JSON},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_overlong_query_text_is_413(client: httpx.AsyncClient) -> None:
    query = "{ __typename }" + " " * 15_000
    response = await post(client, query)
    assert response.status_code == 413
    assert error_codes(response) == ["QUERY_TOO_LARGE"]


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await post(client, "{ __typename }", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await post(client, "{ __typename }", headers={"x-request-id": "bad id with spaces"})
    assert len(made.headers["x-request-id"]) == 32
    assert made.headers["x-request-id"] != "bad id with spaces"
