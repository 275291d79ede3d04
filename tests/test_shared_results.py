"""A shared subscription event is resolved once per distinct selection set."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from graph.shared_results import SharedEventExecutor

calls: list[str] = []


@strawberry.type
class Update:
    shared_results: strawberry.Private[dict[object, object] | None]

    @strawberry.field
    def title(self) -> str:
        calls.append("title")
        return "Board"

    @strawberry.field
    def count(self) -> int:
        calls.append("count")
        return 3


SHARED = Update(shared_results={})
PRIVATE = Update(shared_results=None)


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def updates(self, shared: bool) -> AsyncGenerator[Update, None]:
        yield SHARED if shared else PRIVATE


schema = strawberry.Schema(
    query=Query, subscription=Subscription, execution_context_class=SharedEventExecutor
)


async def first(query: str, **variables: Any) -> dict[str, Any]:
    stream = await schema.subscribe(query, variable_values=variables)
    async for result in stream:
        assert result.errors is None, result.errors
        return dict(result.data or {})
    raise AssertionError("no event")


async def test_subscribers_with_the_same_selection_share_one_resolution() -> None:
    calls.clear()
    both = "subscription ($s: Boolean!) { updates(shared: $s) { title count } }"
    answers = [await first(both, s=True) for _ in range(3)]
    assert answers == [{"updates": {"title": "Board", "count": 3}}] * 3
    assert calls == ["title", "count"]

    # Another selection set resolves once more.
    assert await first("subscription { updates(shared: true) { count } }") == {
        "updates": {"count": 3}
    }
    assert calls == ["title", "count", "count"]


async def test_events_without_shared_results_are_resolved_for_each_subscriber() -> None:
    calls.clear()
    query = "subscription { updates(shared: false) { title } }"
    assert [await first(query) for _ in range(2)] == [{"updates": {"title": "Board"}}] * 2
    assert calls == ["title", "title"]
