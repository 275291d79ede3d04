"""The sites a user wants blocked while focusing (focus-mode clients enforce the list)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.models.focus import BlockedSite
from db.repositories.focus import BlockedSiteRepository
from resolvers.access import Viewer, load_visible, require_viewer
from resolvers.input_rules import not_found

MAX_BLOCKED_SITES = 200
# A host name, optionally with a leading "*." for every subdomain.
_PATTERN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def clean_pattern(value: str) -> str:
    pattern = value.strip().lower()
    for prefix in ("https://", "http://"):
        pattern = pattern.removeprefix(prefix)
    pattern = pattern.split("/", 1)[0]
    if len(pattern) > 253 or not _PATTERN.match(pattern):
        raise UserInputError(
            "Use a host name such as example.com or *.example.com",
            code="INVALID_SITE_PATTERN",
            field="pattern",
        )
    return pattern


async def blocked_sites(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None
) -> list[BlockedSite]:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        return await BlockedSiteRepository(session).for_user(signed_in.user_id)


async def get_blocked_site(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, site_id: uuid.UUID
) -> BlockedSite | None:
    return await load_visible(session_factory, viewer, BlockedSiteRepository, site_id)


async def add_blocked_site(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, pattern: str
) -> BlockedSite:
    signed_in = require_viewer(viewer)
    cleaned = clean_pattern(pattern)
    async with UnitOfWork(session_factory) as uow:
        sites = BlockedSiteRepository(uow.session)
        if await sites.by_pattern(signed_in.user_id, cleaned) is not None:
            raise _duplicate()
        if await sites.count(signed_in.user_id) >= MAX_BLOCKED_SITES:
            raise UserInputError(
                f"Block at most {MAX_BLOCKED_SITES} sites", code="TOO_MANY_SITES", field="pattern"
            )
        site = sites.add(BlockedSite(user_id=signed_in.user_id, pattern=cleaned, active=True))
        try:
            await uow.session.flush()
        except IntegrityError as exc:  # the same site added concurrently
            raise _duplicate() from exc
        await uow.commit()
    return site


async def set_blocked_site_active(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    site_id: uuid.UUID,
    active: bool | None,
) -> BlockedSite:
    """Sets `active`, or flips it when None."""
    signed_in = require_viewer(viewer)
    async with UnitOfWork(session_factory) as uow:
        site = await _own(BlockedSiteRepository(uow.session), signed_in, site_id)
        site.active = (not site.active) if active is None else active
        await uow.commit()
    return site


async def remove_blocked_site(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, site_id: uuid.UUID
) -> uuid.UUID:
    signed_in = require_viewer(viewer)
    async with UnitOfWork(session_factory) as uow:
        sites = BlockedSiteRepository(uow.session)
        await sites.delete(await _own(sites, signed_in, site_id))
        await uow.commit()
    return site_id


async def _own(sites: BlockedSiteRepository, viewer: Viewer, site_id: uuid.UUID) -> BlockedSite:
    site = await sites.get(site_id)
    if site is None or site.user_id != viewer.user_id:
        raise not_found("BlockedSite", "id")
    return site


def _duplicate() -> UserInputError:
    return UserInputError(
        "That site is already on the list", code="SITE_ALREADY_BLOCKED", field="pattern"
    )
