"""What every subscription shares: fresh loaders per event, and a lagging socket closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from starlette.websockets import WebSocket

from core.event_bus import Envelope
from graph.context import Context
from graph.loaders import Loaders
from resolvers.live import encode_cursor

T = TypeVar("T")

After = Annotated[
    str | None,
    strawberry.argument(
        description="A cursor of an event received before: what came after it is replayed "
        "first, then live events follow, with no gap and no duplicate. Omitted: from now on."
    ),
]


def on_drop(info: strawberry.Info[Context, None]) -> Callable[[], None] | None:
    context = info.context
    if context.live is None or not isinstance(context.request, WebSocket):
        return None
    # Subscription resolvers run in the task of their operation.
    return context.live.closer(context.request, asyncio.current_task())


async def per_event(
    info: strawberry.Info[Context, None], source: AsyncIterator[T]
) -> AsyncIterator[T]:
    """Each event is resolved with loaders of its own (their cache and read sessions last
    for that event only), so nothing read for one event is served stale to the next."""
    async for item in source:
        info.context.loaders = Loaders(info.context.session_factory)
        yield item


@strawberry.interface(description="An event of my own channel, in order.")
class MyEvent:
    cursor: str = strawberry.field(
        description="Pass it as `after:` when subscribing again to receive what came next."
    )
    sequence: int = strawberry.field(description="The event's number on my channel.")


def numbered(envelope: Envelope) -> dict[str, Any]:
    """The `MyEvent` fields of an event."""
    return {"cursor": encode_cursor(envelope.seq), "sequence": envelope.seq}
