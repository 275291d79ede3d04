"""Repository base: lookups by id and keyset pagination shared by every domain."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

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
        """Keyset pagination ordered by `order_by` (ascending; the last column is unique)."""
        if after is not None:
            values = decode_cursor(after)
            if len(values) != len(order_by):
                raise UserInputError("Cursor does not belong to this list", code="INVALID_CURSOR")
            try:
                bound = [
                    _from_jsonable(column, value)
                    for column, value in zip(order_by, values, strict=True)
                ]
            except (TypeError, ValueError) as exc:
                raise UserInputError("Malformed cursor", code="INVALID_CURSOR") from exc
            statement = statement.where(tuple_(*order_by) > tuple_(*bound))
        rows = list(
            (await self.session.scalars(statement.order_by(*order_by).limit(first + 1))).all()
        )
        has_next = len(rows) > first
        rows = rows[:first]
        cursors = [
            encode_cursor([_jsonable(getattr(row, column.key)) for column in order_by])
            for row in rows
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
