"""Who may see and do what: the one place authorization rules live.

Every object the API returns passes `ensure_can_view`; role checks go through
`require_role`. An object type with no rule here is visible to nobody but admins.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import AuthenticationError, PermissionDeniedError
from db.base import Entity
from db.models.badges import Badge
from db.models.focus import BlockedSite, FocusSession
from db.models.goals import Goal, Milestone, Task
from db.models.points import PointEntry
from db.models.rewards import Redemption, Reward
from db.models.users import Preferences, Role, User
from db.repositories.base import Repository

M = TypeVar("M", bound=Entity)


@dataclass(frozen=True)
class Viewer:
    """The authenticated caller of one request or WebSocket connection."""

    user_id: uuid.UUID
    role: Role
    token_id: str
    token_expires_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


# Types any signed-in user may see (their private fields have rules of their own).
PUBLIC_TYPES: set[type] = {User, Badge, Reward}
# The owner of each owned type.
OWNER_OF: dict[type, Callable[[Any], uuid.UUID]] = {
    Preferences: lambda preferences: preferences.user_id,
    Goal: lambda goal: goal.user_id,
    Milestone: lambda milestone: milestone.user_id,
    Task: lambda task: task.user_id,
    FocusSession: lambda session: session.user_id,
    BlockedSite: lambda site: site.user_id,
    PointEntry: lambda entry: entry.user_id,
    Redemption: lambda redemption: redemption.user_id,
}


def register_owned(kind: type, owner: Callable[[Any], uuid.UUID]) -> None:
    OWNER_OF[kind] = owner


def require_viewer(viewer: Viewer | None) -> Viewer:
    if viewer is None:
        raise AuthenticationError("Sign in first")
    return viewer


def require_role(viewer: Viewer | None, *roles: Role) -> Viewer:
    signed_in = require_viewer(viewer)
    if signed_in.role not in roles:
        raise PermissionDeniedError("Your role does not allow this")
    return signed_in


def can_view(viewer: Viewer, obj: object) -> bool:
    if viewer.is_admin:
        return True
    kind = type(obj)
    if kind in PUBLIC_TYPES:
        return True
    owner = OWNER_OF.get(kind)
    return owner is not None and owner(obj) == viewer.user_id


def ensure_can_view(viewer: Viewer | None, obj: object) -> None:
    if not can_view(require_viewer(viewer), obj):
        # Same answer whether it exists or not: ids of others' objects reveal nothing.
        raise PermissionDeniedError("Not found")


async def load_visible(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    repository: type[Repository[M]],
    id_: uuid.UUID,
) -> M | None:
    """One object by id, for a viewer allowed to see it (None when it does not exist)."""
    require_viewer(viewer)
    async with session_factory() as session:
        found = await repository(session).get(id_)
    if found is not None:
        ensure_can_view(viewer, found)
    return found


def is_self_or_admin(viewer: Viewer | None, user_id: uuid.UUID) -> bool:
    return viewer is not None and (viewer.is_admin or viewer.user_id == user_id)
