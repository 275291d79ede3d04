"""The hottest PostgreSQL statements run on asyncpg itself, inside the session's transaction.

Through the ORM session a statement costs about 115 µs of CPU on top of what asyncpg spends
on it (about 45 µs): the greenlet bridge, the execution context, the result's metadata. An
award runs on every completed task and focus session, and its statements are the bulk of
its cost. A `DriverStatement` is compiled once for asyncpg and sent on the connection that
carries the session's transaction, so it commits or rolls back with everything else the
unit of work wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
from sqlalchemy import JSON, BindParameter
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from db.engine import json_text

_DRIVER = "driver connection"  # the key in `session.info`


class DriverStatement:
    """A statement compiled for asyncpg, with the order of its named parameters. JSON
    parameters are written as the engine writes them, and the engine's codec on the
    connection reads JSON columns; every other value goes to asyncpg as it is (UUIDs, dates,
    aware datetimes, text enums, which are str). Values written into the statement (a
    status it sets, say) are sent as they were given."""

    def __init__(self, statement: ClauseElement):
        compiled = statement.compile(dialect=asyncpg_dialect.dialect())
        assert isinstance(compiled, SQLCompiler)
        self.sql = str(compiled)
        binds: dict[str, BindParameter[Any]] = compiled.binds
        self._order = tuple(compiled.positiontup or ())
        self._json_in = frozenset(
            name for name in self._order if isinstance(binds[name].type, JSON)
        )
        self._given = {
            name: binds[name].effective_value for name in self._order if not binds[name].required
        }

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        json_in, given = self._json_in, self._given
        arguments = []
        for name in self._order:
            value = values[name] if name in values else given[name]
            arguments.append(json_text(value) if name in json_in else value)
        return arguments

    async def fetch(self, session: AsyncSession, values: Mapping[str, Any]) -> list[asyncpg.Record]:
        """The rows the statement returns, run in the session's transaction."""
        connection = await in_transaction(session)
        return await connection.fetch(self.sql, *self.arguments(values))


async def in_transaction(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session, its transaction begun. Kept in the
    session's `info` for the rest of the transaction: an award asks for it three times."""
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(_DRIVER)
    if kept is not None and transaction is not None and kept[0] is transaction:
        return kept[1]
    connection = await session.connection()
    driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        # SQLAlchemy's adapter begins the transaction with its first statement: the pool's
        # ping does that on a connection it hands out again, but a new connection has run
        # none. Beginning it behind the adapter's back would leave it never committed.
        await connection.exec_driver_sql("SELECT 1")
    session.info[_DRIVER] = (session.sync_session.get_transaction(), driver)
    return driver
