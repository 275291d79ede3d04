"""Per-operation DataLoaders, created on first use from batch functions in `resolvers/`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# A batch function opens its own read session from the factory: sibling fields resolve
# concurrently and must never share one.
BatchFn = Callable[[async_sessionmaker[AsyncSession], Sequence[K]], Awaitable[Sequence[V]]]


class Loaders:
    """Holds one DataLoader per batch function for the life of one operation."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]):
        self._session_factory = session_factory
        self._loaders: dict[Callable[..., Any], DataLoader[Any, Any]] = {}
        self._held: dict[type, dict[Any, Any]] = {}
        # Answers of `graph.selection.wants`, by field node and path.
        self.selection_memo: dict[tuple[int, tuple[str, ...]], tuple[Any, bool]] = {}

    def get(self, batch: BatchFn[K, V]) -> DataLoader[K, V]:
        loader = self._loaders.get(batch)
        if loader is None:
            loader = DataLoader(load_fn=partial(batch, self._session_factory))
            self._loaders[batch] = loader
        return cast(DataLoader[K, V], loader)

    def held(self, kind: type[V]) -> dict[Any, V]:
        """Objects of one type this operation has built already, by id: lists that meet
        them again (a task's dependencies in a sibling page) reuse them instead of loading."""
        return self._held.setdefault(kind, {})


class FreshLoaders(SchemaExtension):
    """Gives every operation its own loaders: a WebSocket keeps one context for all the
    operations it carries, and a query after a mutation must not read cached rows."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        context.loaders = Loaders(context.session_factory)
        yield
