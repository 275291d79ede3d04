"""What the service reports about itself."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories import system as system_repo


@dataclass(frozen=True)
class ServerInfo:
    version: str
    database_revision: str | None


def package_version() -> str:
    try:
        return version("studygraph")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


async def server_info(session_factory: async_sessionmaker[AsyncSession]) -> ServerInfo:
    async with session_factory() as session:
        revision = await system_repo.schema_revision(session)
    return ServerInfo(version=package_version(), database_revision=revision)


async def database_ready(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Raises when the database cannot answer a trivial query."""
    async with session_factory() as session:
        await system_repo.ping(session)
