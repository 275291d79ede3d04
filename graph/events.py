"""What every subscription shares: fresh loaders per event, and a lagging socket closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import strawberry
from starlette.websockets import WebSocket

from graph.context import Context
from graph.loaders import Loaders

T = TypeVar("T")


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
