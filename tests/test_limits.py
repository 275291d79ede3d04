"""Each limit of HARDENING.md rejects what it should, before any resolver runs."""

from __future__ import annotations

import httpx
import pytest

from core.settings import Settings
from tests.conftest import make_settings, serve_app
from tests.graphql import error_codes, post


def aliases(count: int) -> str:
    return " ".join(f"a{i}: __typename" for i in range(count))


async def test_depth_limit(settings: Settings) -> None:
    # Introspection fields do not count towards depth; serverInfo { version } is depth 1.
    async with serve_app(make_settings(database_url=settings.database_url, max_query_depth=0)) as c:
        response = await post(c, "{ serverInfo { version } }")
        assert await post(c, "{ __typename }") is not None
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "'anonymous' exceeds maximum operation depth of 0"
    )


async def test_the_default_depth_limit_is_ten(client: httpx.AsyncClient) -> None:
    def tasks_deep(levels: int) -> str:
        # node is level 0; each `dependsOn` goes one level deeper, and `id` one more.
        inner = "id"
        for _ in range(levels - 1):
            inner = f"dependsOn {{ {inner} }}"
        return '{ node(id: "VGFzazow") { ... on Task { ' + inner + " } } }"

    allowed = await post(client, tasks_deep(10))
    assert allowed.status_code == 200
    assert "depth" not in allowed.text
    refused = await post(client, tasks_deep(11))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == (
        "'anonymous' exceeds maximum operation depth of 10"
    )


async def test_alias_limit(client: httpx.AsyncClient) -> None:
    assert (await post(client, "{ " + aliases(15) + " }")).status_code == 200
    response = await post(client, "{ " + aliases(16) + " }")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "16 aliases found. Allowed: 15"


async def test_alias_limit_counts_each_fragment_spread(client: httpx.AsyncClient) -> None:
    query = "query { ...F ... on Query { ...F } } fragment F on Query { " + aliases(8) + " }"
    response = await post(client, query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "16 aliases found. Allowed: 15"


def spreading(levels: int, width: int, leaf: str) -> str:
    """Fragments on Query that each spread the next one `width` times, `levels` deep:
    `width ** (levels - 1)` paths to `leaf` in a few hundred characters."""
    parts = [f"fragment L{levels - 1} on Query {{ {leaf} }}"]
    for level in range(levels - 2, -1, -1):
        spreads = " ".join([f"...L{level + 1}"] * width)
        parts.append(f"fragment L{level} on Query {{ {spreads} }}")
    return "query { ...L0 } " + " ".join(parts)


async def test_aliases_are_counted_along_exponentially_many_spreads(
    client: httpx.AsyncClient,
) -> None:
    """4 ** 20 paths to one alias: counted exactly, each fragment measured once (a walk
    along every path would hold the server for days)."""
    response = await post(client, spreading(21, 4, "a: __typename"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "1099511627776 aliases found. Allowed: 15"


def task_depth_through_fragments(levels: int, width: int) -> str:
    """`node` and then one `dependsOn` per fragment, each spreading the next `width` times:
    `levels` deep along 4 ** (levels - 2) paths."""
    parts = [f"fragment L{levels - 1} on Task {{ id }}"]
    for level in range(levels - 2, -1, -1):
        spreads = " ".join([f"...L{level + 1}"] * width)
        parts.append(f"fragment L{level} on Task {{ dependsOn {{ {spreads} }} }}")
    return '{ node(id: "VGFzazow") { ...L0 } } ' + " ".join(parts)


async def test_depth_is_measured_through_fragments_each_once(client: httpx.AsyncClient) -> None:
    deep = await post(client, task_depth_through_fragments(10, 4))
    # Deep enough, but its 4 ** 8 paths cost far more than allowed.
    assert error_codes(deep) == ["QUERY_TOO_COMPLEX"]
    too_deep = await post(client, task_depth_through_fragments(11, 4))
    assert too_deep.status_code == 400
    assert too_deep.json()["errors"][0]["message"] == (
        "'anonymous' exceeds maximum operation depth of 10"
    )


def with_tokens(count: int) -> str:
    """A document of exactly `count` tokens, as the parser counts them (end of file excluded).

    Its variable is never used: the parser accepts it, validation then refuses it, which
    tells the token limit apart from everything else.
    """
    # "query ( $v : [ String ] = [" + items + "] ) { __typename }" is 15 + items tokens.
    items = " ".join(f'"{i}"' for i in range(count - 15))
    return f"query ($v: [String] = [{items}]) {{ __typename }}"


async def test_token_limit(client: httpx.AsyncClient) -> None:
    parsed = await post(client, with_tokens(1000))
    assert error_codes(parsed) == ["GRAPHQL_VALIDATION_FAILED"]
    assert parsed.json()["errors"][0]["message"] == "Variable '$v' is never used."
    refused = await post(client, with_tokens(1001))
    assert refused.status_code == 400
    assert error_codes(refused) == ["GRAPHQL_PARSE_FAILED"]
    assert refused.json()["errors"][0]["message"] == (
        "Syntax Error: Document contains more than 1000 tokens. Parsing aborted."
    )


async def test_directive_limit(client: httpx.AsyncClient) -> None:
    def with_directives(count: int) -> str:
        return "{ " + "__typename @skip(if: false) " * count + "}"

    assert (await post(client, with_directives(50))).status_code == 200
    response = await post(client, with_directives(51))
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "Too many directives: more than 50 are not allowed."
    )


async def test_circular_fragments_are_rejected(client: httpx.AsyncClient) -> None:
    query = (
        "{ ...A } fragment A on Query { __typename ...B } fragment B on Query { __typename ...A }"
    )
    response = await post(client, query)
    assert response.status_code == 400
    assert error_codes(response)[0] == "GRAPHQL_VALIDATION_FAILED"


async def test_duplicated_fields_resolve_once(client: httpx.AsyncClient) -> None:
    response = await post(client, "{ serverInfo { version } serverInfo { version version } }")
    assert response.status_code == 200
    assert list(response.json()["data"]) == ["serverInfo"]


@pytest.fixture
def cheap_settings(settings: Settings) -> Settings:
    return make_settings(database_url=settings.database_url, max_query_cost=5)


async def test_cost_limit(cheap_settings: Settings) -> None:
    async with serve_app(cheap_settings) as client:
        # serverInfo is an object (2) with two scalars (1 each): 4, plus __typename: 5.
        allowed = await post(client, "{ __typename serverInfo { version databaseRevision } }")
        assert allowed.status_code == 200
        refused = await post(
            client, "{ __typename t: __typename serverInfo { version databaseRevision } }"
        )
    assert refused.status_code == 400
    assert error_codes(refused) == ["QUERY_TOO_COMPLEX"]
    assert refused.json()["errors"][0]["extensions"]["cost"] == 6
    assert "data" not in refused.json()
