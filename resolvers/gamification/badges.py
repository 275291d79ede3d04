"""Badges: criteria kept as data, checked only for the user an event concerns and only
against the criteria that event can change."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.models.badges import DESCRIPTION_MAX, NAME_MAX, Badge, BadgeCriterion, EarnedBadge
from db.models.users import Role
from db.repositories.badges import BadgeRepository
from resolvers.access import Viewer, load_visible, require_role, require_viewer
from resolvers.input_rules import clean_text, clean_title
from resolvers.live import tell, user_channel

CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
MAX_THRESHOLD = 1_000_000


@dataclass(frozen=True)
class BadgeDraft:
    code: str
    name: str
    description: str
    criterion: BadgeCriterion
    threshold: int


async def earn_badges(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    values: Mapping[BadgeCriterion, int],
) -> list[Badge]:
    """Awards every badge the new `values` reach that the user lacks, once each."""
    badges = BadgeRepository(uow.session)
    earned = []
    for badge in await badges.reached_unearned(user_id, values):
        if await badges.earn(user_id, badge.id, values[badge.criterion]):
            earned.append(badge)
            tell(
                uow,
                user_channel(user_id),
                "badgeEarned",
                {"badgeId": str(badge.id), "code": badge.code, "name": badge.name},
            )
    return earned


async def create_badge(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, draft: BadgeDraft
) -> Badge:
    require_role(viewer, Role.ADMIN)
    code = draft.code.strip()
    if not CODE.match(code):
        raise UserInputError(
            "A badge code is 2 to 64 capitals, digits or underscores, starting with a letter",
            code="INVALID_BADGE_CODE",
            field="code",
        )
    if not 1 <= draft.threshold <= MAX_THRESHOLD:
        raise UserInputError(
            f"The threshold must be between 1 and {MAX_THRESHOLD}",
            code="INVALID_THRESHOLD",
            field="threshold",
        )
    name = clean_title(draft.name, "name", most=NAME_MAX)
    description = clean_text(draft.description, "description", most=DESCRIPTION_MAX) or ""
    async with UnitOfWork(session_factory) as uow:
        badges = BadgeRepository(uow.session)
        if await badges.by_code(code) is not None:
            raise _code_taken(code)
        badge = badges.add(
            Badge(
                code=code,
                name=name,
                description=description,
                criterion=draft.criterion,
                threshold=draft.threshold,
            )
        )
        try:
            await uow.commit()
        except IntegrityError:
            raise _code_taken(code) from None
    return badge


def _code_taken(code: str) -> UserInputError:
    return UserInputError(f"A badge {code} exists already", code="BADGE_CODE_TAKEN", field="code")


async def badge_catalog(session_factory: async_sessionmaker[AsyncSession]) -> list[Badge]:
    async with session_factory() as session:
        return await BadgeRepository(session).catalog()


async def my_badges(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None
) -> list[tuple[EarnedBadge, Badge]]:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        return await BadgeRepository(session).earned(signed_in.user_id)


async def get_badge(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, badge_id: uuid.UUID
) -> Badge | None:
    return await load_visible(session_factory, viewer, BadgeRepository, badge_id)
