"""Repository base: lookups by id and keyset pagination shared by every domain."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from core.cursors import decode_cursor, encode_cursor
from core.errors import UserInputError
from db.base import Entity

M = TypeVar("M", bound=Entity)


@dataclass(frozen=True, slots=True)
class Page(Generic[M]):
    """One page of a keyset-paginated list, with a cursor per item."""

    items: list[M]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


class Repository(Generic[M]):
    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, id_: uuid.UUID) -> M | None:
        return await self.session.get(self.model, id_)

    async def get_many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, M]:
        """Rows by id in one statement, for DataLoaders."""
        if not ids:
            return {}
        rows = await self.session.scalars(select(self.model).where(self.model.id.in_(ids)))
        return {row.id: row for row in rows}

    def add(self, entity: M) -> M:
        self.session.add(entity)
        return entity

    async def delete(self, entity: M) -> None:
        await self.session.delete(entity)

    async def paginate(
        self,
        statement: Select[Any],
        *,
        first: int,
        after: str | None,
        order_by: Sequence[InstrumentedAttribute[Any]],
    ) -> Page[M]:
        """Keyset pagination ordered by `order_by` (ascending, nulls last; the last column
        is unique)."""
        statement = _after(statement, after, order_by)
        rows = list(
            await self.session.scalars(statement.order_by(*_ordering(order_by)).limit(first + 1))
        )
        return _page(rows, first, order_by, after)

    async def paginate_many(
        self,
        statement: Select[Any],
        *,
        parent: InstrumentedAttribute[Any],
        parent_ids: Sequence[Any],
        first: int,
        after: str | None,
        order_by: Sequence[InstrumentedAttribute[Any]],
    ) -> dict[Any, Page[M]]:
        """The same page of the list under each parent, in one statement (for DataLoaders):
        rows are ranked within their parent and cut at `first + 1`."""
        statement = _after(statement.where(parent.in_(parent_ids)), after, order_by)
        rank = func.row_number().over(partition_by=parent, order_by=_ordering(order_by))
        ranked = statement.add_columns(rank.label("page_rank")).subquery()
        row = aliased(self.model, ranked)
        rows = await self.session.scalars(
            select(row)
            .where(ranked.c.page_rank <= first + 1)
            .order_by(ranked.c[parent.key], ranked.c.page_rank)
        )
        grouped: dict[Any, list[M]] = {parent_id: [] for parent_id in parent_ids}
        for item in rows:
            grouped[getattr(item, parent.key)].append(item)
        return {key: _page(items, first, order_by, after) for key, items in grouped.items()}


def _nullable(column: InstrumentedAttribute[Any]) -> bool:
    return bool(getattr(column.expression, "nullable", False))


def _ordering(order_by: Sequence[InstrumentedAttribute[Any]]) -> list[ColumnElement[Any]]:
    return [c.asc().nulls_last() if _nullable(c) else c.asc() for c in order_by]


def _after(
    statement: Select[Any], after: str | None, order_by: Sequence[InstrumentedAttribute[Any]]
) -> Select[Any]:
    if after is None:
        return statement
    values = decode_cursor(after)
    if len(values) != len(order_by):
        raise UserInputError("Cursor does not belong to this list", code="INVALID_CURSOR")
    try:
        bound = [
            _from_jsonable(column, value) for column, value in zip(order_by, values, strict=True)
        ]
    except (TypeError, ValueError) as exc:
        raise UserInputError("Malformed cursor", code="INVALID_CURSOR") from exc
    if not any(_nullable(c) for c in order_by):
        return statement.where(tuple_(*order_by) > tuple_(*bound))
    # Row comparison cannot express "nulls last": spell the lexicographic order out.
    clauses = []
    for i, (column, value) in enumerate(zip(order_by, bound, strict=True)):
        if value is None:
            continue  # nothing sorts after NULL in this column
        same_before = [_equals(c, v) for c, v in zip(order_by[:i], bound[:i], strict=True)]
        greater = or_(column > value, column.is_(None)) if _nullable(column) else column > value
        clauses.append(and_(*same_before, greater))
    return statement.where(or_(*clauses) if clauses else false())


def _equals(column: InstrumentedAttribute[Any], value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _page(
    rows: list[M], first: int, order_by: Sequence[InstrumentedAttribute[Any]], after: str | None
) -> Page[M]:
    has_next = len(rows) > first
    rows = rows[:first]
    cursors = [
        encode_cursor([_jsonable(getattr(row, column.key)) for column in order_by]) for row in rows
    ]
    return Page(rows, cursors, has_next_page=has_next, has_previous_page=after is not None)


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | enum.Enum):
        return value.isoformat() if isinstance(value, date) else value.value
    return value


def _from_jsonable(column: InstrumentedAttribute[Any], value: Any) -> Any:
    if value is None:
        return None
    python_type = column.type.python_type
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    return python_type(value)
