"""Domain events: how one domain hands a fact to others without knowing them.

A handler runs inside the publisher's unit of work, before its commit: what it writes
commits or rolls back with the change that caused it (so a reward can never be granted
for a completion that did not happen, nor twice), and what it sends it buffers with
`uow.after_commit` / `uow.enqueue`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.unit_of_work import UnitOfWork


class DomainEvent:
    """Base class of the facts domains publish (frozen dataclasses)."""


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[UnitOfWork, E], Awaitable[None]]

_handlers: dict[type[DomainEvent], list[Handler[DomainEvent]]] = {}


def subscribe(kind: type[E], handler: Handler[E]) -> None:
    """Adds a handler for one event type (at import time of the subscribing domain)."""
    _handlers.setdefault(kind, []).append(handler)  # type: ignore[arg-type]


def unsubscribe(kind: type[E], handler: Handler[E]) -> None:
    _handlers.get(kind, []).remove(handler)  # type: ignore[arg-type]


async def publish(uow: UnitOfWork, event: DomainEvent) -> None:
    """Runs every handler of the event's type in order; an exception aborts the unit of work."""
    for handler in list(_handlers.get(type(event), ())):
        await handler(uow, event)
