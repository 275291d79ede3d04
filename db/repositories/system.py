"""Database facts the service reports about itself."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def schema_revision(session: AsyncSession) -> str | None:
    """The Alembic revision the database is migrated to (None before the first migration)."""
    result = await session.execute(text("SELECT version_num FROM alembic_version"))
    return result.scalar_one_or_none()
