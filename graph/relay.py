"""Relay building blocks: the `Node` interface, cursor connections and their page limits."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import strawberry

from core.errors import UserInputError
from core.ids import from_global_id

T = TypeVar("T")
S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)


class PageLike(Protocol[S_co]):
    """What a repository page offers (`db.repositories.base.Page`)."""

    @property
    def items(self) -> Sequence[S_co]: ...
    @property
    def cursors(self) -> Sequence[str]: ...
    @property
    def has_next_page(self) -> bool: ...
    @property
    def has_previous_page(self) -> bool: ...


@strawberry.interface(description="An object with a globally unique id, fetchable with `node`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id.")


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item: pass it as `after` for the next page."
    )


@strawberry.type(description="An item of a list with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="One page of a list.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more items exist.")

    @classmethod
    def build(
        cls,
        items: Sequence[S],
        cursors: Sequence[str],
        *,
        has_next_page: bool,
        has_previous_page: bool,
        to_node: Callable[[S], Any],
    ) -> Connection[Any]:
        edges = [Edge(cursor=c, node=to_node(item)) for item, c in zip(items, cursors, strict=True)]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next_page,
                has_previous_page=has_previous_page,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
        )


def connection_of(
    page: PageLike[Any], to_node: Callable[[S], Any], items: Sequence[S] | None = None
) -> Connection[Any]:
    """The page as a connection; with `items`, those (one per row of the page, in its order:
    views built from the rows) stand in for the rows."""
    return Connection.build(
        page.items if items is None else items,
        page.cursors,
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        to_node=to_node,
    )


def check_page_size(first: int, maximum: int) -> int:
    """`first` must lie in 1..maximum; the cost limit checks this before execution too."""
    if not 1 <= first <= maximum:
        raise UserInputError(
            f"`first` must be between 1 and {maximum}", code="INVALID_PAGE_SIZE", field="first"
        )
    return first


NodeFetcher = Callable[[strawberry.Info[Any, None], uuid.UUID], Awaitable[Node | None]]

# Filled by each domain with a fetcher that applies the same authorization as its own
# root field, so `node(id:)` is no back door.
NODE_FETCHERS: dict[str, NodeFetcher] = {}


def register_node(type_name: str, fetcher: NodeFetcher) -> None:
    NODE_FETCHERS[type_name] = fetcher


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its global id: null when it does not exist, a FORBIDDEN "
        "error when it is not yours to see."
    )
    async def node(self, info: strawberry.Info[Any, None], id: strawberry.ID) -> Node | None:
        type_name, local_id = from_global_id(id)
        fetcher = NODE_FETCHERS.get(type_name)
        return None if fetcher is None else await fetcher(info, local_id)
