"""Statements whose spelling differs between PostgreSQL and SQLite, built once per dialect
and table: they are executed with the row's values as parameters, so a hot path pays
neither statement construction nor the ORM's bulk-insert machinery."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_or_ignore(session: AsyncSession, model: type[Any], *returning: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING [RETURNING …]: under concurrency the loser waits for
    the winner's commit and then inserts nothing, instead of failing the transaction."""
    return _insert_or_ignore(_dialect(session), model.__table__, returning)


def insert_or_lock(session: AsyncSession, model: type[Any], key: str, *returning: str) -> Any:
    """INSERT … ON CONFLICT (key) DO UPDATE with no change, RETURNING …: inserts the row or
    locks the existing one, and returns it either way, in one statement."""
    return insert_or_lock_on(_dialect(session), model, key, *returning)


def insert_or_lock_on(dialect: str, model: type[Any], key: str, *returning: str) -> Any:
    """`insert_or_lock` for a dialect named outright (a statement built once, at import)."""
    return _insert_or_lock(dialect, model.__table__, key, returning)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _module(dialect: str) -> Any:
    return postgresql if dialect == "postgresql" else sqlite


@functools.cache
def _insert_or_ignore(dialect: str, table: Table, returning: tuple[str, ...]) -> Any:
    statement = _module(dialect).insert(table).on_conflict_do_nothing()
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement


@functools.cache
def _insert_or_lock(dialect: str, table: Table, key: str, returning: tuple[str, ...]) -> Any:
    statement = _module(dialect).insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[key], set_={key: getattr(statement.excluded, key)}
    )
    return statement.returning(*(table.c[name] for name in returning))
