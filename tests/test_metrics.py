"""`/metrics` counts what this instance answered and shows what it holds open, in the
Prometheus text format."""

from __future__ import annotations

import re

import httpx

from graph.metrics import METRICS
from tests.accounts import register
from tests.graphql import post


def sample(text: str, name: str) -> float:
    """The value of one sample line (`name` with its labels) of an exposition."""
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match is not None, f"{name} not in /metrics"
    return float(match.group(1))


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return response.text


async def test_requests_and_errors_are_counted_by_route_status_and_code(
    client: httpx.AsyncClient,
) -> None:
    before = await scrape(client)
    ok = 'studygraph_http_requests_total{route="/graphql",status="200"}'
    bad = 'studygraph_http_requests_total{route="/graphql",status="400"}'
    elsewhere = 'studygraph_http_requests_total{route="other",status="404"}'
    invalid = 'studygraph_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}'
    unknown_id = 'studygraph_graphql_errors_total{code="INVALID_ID"}'
    counts = {
        name: sample(before, name) if name in before else 0.0
        for name in (ok, bad, elsewhere, invalid, unknown_id)
    }

    for _ in range(3):
        assert (await post(client, "{ serverInfo { version } }")).status_code == 200
    assert (await post(client, "{ nothingHere }")).status_code == 400
    assert (await post(client, '{ node(id: "%%%") { id } }')).status_code == 200
    assert (await client.get("/no/such/page")).status_code == 404

    after = await scrape(client)
    assert sample(after, ok) - counts[ok] == 4
    assert sample(after, bad) - counts[bad] == 1
    assert sample(after, elsewhere) - counts[elsewhere] == 1
    assert sample(after, invalid) - counts[invalid] == 1
    assert sample(after, unknown_id) - counts[unknown_id] == 1
    # The timings count every request the per-status totals count.
    graphql_requests = sample(
        after, 'studygraph_http_request_duration_seconds_count{route="/graphql"}'
    )
    assert graphql_requests == sum(
        count for (route, _status), count in METRICS.requests.items() if route == "/graphql"
    )


async def test_gauges_show_what_the_instance_holds(client: httpx.AsyncClient) -> None:
    await register(client)
    text = await scrape(client)
    for gauge in ("websockets_signed_in", "live_subscribers", "db_connections_in_use"):
        assert f"# TYPE studygraph_{gauge} gauge" in text
        assert sample(text, f"studygraph_{gauge}") >= 0
    # The scrape itself holds no connection, and no request runs meanwhile.
    assert sample(text, "studygraph_db_connections_in_use") == 0
