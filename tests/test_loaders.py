"""Relations resolve through per-operation DataLoaders: one statement for many ids."""

from __future__ import annotations

import httpx

from tests.accounts import gql, register


async def test_many_nodes_load_in_one_statement(
    client: httpx.AsyncClient, statements: list[str]
) -> None:
    viewer = await register(client)
    others = [await register(client) for _ in range(5)]
    query = (
        "query { "
        + " ".join(
            f'u{i}: node(id: "{other.id}") {{ ... on User {{ displayName }} }}'
            for i, other in enumerate(others)
        )
        + " }"
    )
    statements.clear()
    result = await gql(client, query, account=viewer)
    assert [result["data"][f"u{i}"]["displayName"] for i in range(5)] == ["Learner"] * 5
    user_selects = [s for s in statements if s.lstrip().startswith("SELECT") and "FROM users" in s]
    # One to authenticate the caller, one for all five nodes.
    assert len(user_selects) == 2
