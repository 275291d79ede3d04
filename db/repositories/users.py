"""Accounts, preferences and refresh tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.jobs import Job
from db.models.users import Preferences, RefreshToken, Role, User
from db.repositories.base import Page, Repository


class UserRepository(Repository[User]):
    model = User

    async def by_email(self, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email))

    async def email_taken(self, email: str, *, except_id: uuid.UUID | None = None) -> bool:
        statement = select(User.id).where(User.email == email)
        if except_id is not None:
            statement = statement.where(User.id != except_id)
        return await self.session.scalar(statement) is not None

    async def list(self, *, role: Role | None, first: int, after: str | None) -> Page[User]:
        statement = select(User)
        if role is not None:
            statement = statement.where(User.role == role)
        return await self.paginate(statement, first=first, after=after, order_by=[User.id])

    async def lock(self, user_id: uuid.UUID) -> None:
        """Serialises a user's writes that read before they write (e.g. the dependency graph)."""
        await self.session.execute(select(User.id).where(User.id == user_id).with_for_update())

    async def bump_token_version(self, user_id: uuid.UUID) -> None:
        await self.session.execute(
            update(User).where(User.id == user_id).values(token_version=User.token_version + 1)
        )

    async def delete_by_id(self, user_id: uuid.UUID) -> None:
        # Rows owned by the user go with it through ON DELETE CASCADE.
        await self.session.execute(delete(User).where(User.id == user_id))


class PreferencesRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def for_user(self, user_id: uuid.UUID) -> Preferences:
        """The user's preferences, created with the defaults on first use."""
        found = await self.session.get(Preferences, user_id)
        if found is None:
            found = default_preferences(user_id)
            self.session.add(found)
            await self.session.flush()
        return found

    async def current(self, user_id: uuid.UUID) -> Preferences:
        """The user's preferences, or the defaults without writing them."""
        return await self.session.get(Preferences, user_id) or default_preferences(user_id)

    async def many(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Preferences]:
        """Preferences of several users in one statement, for DataLoaders."""
        rows = await self.session.scalars(
            select(Preferences).where(Preferences.user_id.in_(user_ids))
        )
        return {row.user_id: row for row in rows}


def default_preferences(user_id: uuid.UUID) -> Preferences:
    return Preferences(
        user_id=user_id,
        time_zone="UTC",
        study_windows=[],
        session_minutes=50,
        break_minutes=10,
        day_start_hour=4,
        notification_channels=["IN_APP"],
    )


@dataclass(frozen=True)
class ConsumedToken:
    user_id: uuid.UUID
    family_id: uuid.UUID
    family_expires_at: datetime


class RefreshTokenRepository(Repository[RefreshToken]):
    model = RefreshToken

    async def consume(self, token_hash: str, now: datetime) -> ConsumedToken | None:
        """Marks a live token used, atomically: of concurrent callers exactly one gets it."""
        row = (
            await self.session.execute(
                update(RefreshToken)
                .where(
                    RefreshToken.token_hash == token_hash,
                    RefreshToken.used_at.is_(None),
                    RefreshToken.revoked_at.is_(None),
                    RefreshToken.idle_expires_at > now,
                    RefreshToken.family_expires_at > now,
                )
                .values(used_at=now)
                .returning(
                    RefreshToken.user_id, RefreshToken.family_id, RefreshToken.family_expires_at
                )
            )
        ).one_or_none()
        return None if row is None else ConsumedToken(row[0], row[1], row[2])

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        return await self.session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_all(self, user_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


async def owned_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """Everything stored about one user, for their data export (secrets excluded)."""
    user = await session.get(User, user_id)
    if user is None:
        return {}
    preferences = await session.get(Preferences, user_id)
    tokens = (
        await session.scalars(select(RefreshToken).where(RefreshToken.user_id == user_id))
    ).all()
    jobs = (await session.scalars(select(Job).where(Job.owner_id == user_id))).all()
    return {
        "profile": {
            "id": str(user.id),
            "email": user.email,
            "displayName": user.display_name,
            "role": str(user.role),
            "institution": user.institution,
            "fieldOfStudy": user.field_of_study,
            "targetExamDate": _iso(user.target_exam_date),
            "createdAt": _iso(user.created_at),
        },
        "preferences": None
        if preferences is None
        else {
            "timeZone": preferences.time_zone,
            "studyWindows": preferences.study_windows,
            "sessionMinutes": preferences.session_minutes,
            "breakMinutes": preferences.break_minutes,
            "dayStartHour": preferences.day_start_hour,
            "notificationChannels": preferences.notification_channels,
            "quietHours": [preferences.quiet_hours_start, preferences.quiet_hours_end],
        },
        "sessions": [
            {
                "startedAt": _iso(t.created_at),
                "usedAt": _iso(t.used_at),
                "revokedAt": _iso(t.revoked_at),
            }
            for t in tokens
        ],
        "jobs": [
            {"kind": j.kind, "status": str(j.status), "createdAt": _iso(j.created_at)} for j in jobs
        ],
    }


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()
