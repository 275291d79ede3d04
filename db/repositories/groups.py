"""SQL of study groups and their members."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.groups import GroupMember, GroupRole, GroupVisibility, StudyGroup
from db.models.users import User
from db.repositories.base import Page, Repository
from db.repositories.dialect import insert_or_ignore


class StudyGroupRepository(Repository[StudyGroup]):
    model = StudyGroup

    async def lock(self, group_id: uuid.UUID, now: datetime) -> StudyGroup | None:
        """The group, locked until commit by touching its row (a write: SQLite too)."""
        await self.session.execute(
            update(StudyGroup).where(StudyGroup.id == group_id).values(updated_at=now)
        )
        return await self.session.get(StudyGroup, group_id, populate_existing=True)

    async def listed(
        self, search: str | None, *, first: int, after: str | None
    ) -> Page[StudyGroup]:
        """Public groups whose name contains `search` (any case), oldest first."""
        statement = select(StudyGroup).where(StudyGroup.visibility == GroupVisibility.PUBLIC)
        if search:
            escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(StudyGroup.name_key.like(f"%{escaped}%", escape="\\"))
        return await self.paginate(statement, first=first, after=after, order_by=[StudyGroup.id])


class GroupMemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, group_id: uuid.UUID, user_id: uuid.UUID, role: GroupRole, now: datetime
    ) -> None:
        await self.session.execute(
            insert_or_ignore(self.session, GroupMember),
            {"group_id": group_id, "user_id": user_id, "role": role, "joined_at": now},
        )

    async def get(self, group_id: uuid.UUID, user_id: uuid.UUID) -> GroupMember | None:
        return await self.session.get(GroupMember, (group_id, user_id), populate_existing=True)

    async def remove(self, group_id: uuid.UUID, user_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.user_id == user_id
            )
        )

    async def counts(self, group_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not group_ids:
            return {}
        rows = await self.session.execute(
            select(GroupMember.group_id, func.count())
            .where(GroupMember.group_id.in_(group_ids))
            .group_by(GroupMember.group_id)
        )
        return {group_id: int(count) for group_id, count in rows}

    async def count_role(self, group_id: uuid.UUID, role: GroupRole) -> int:
        found = await self.session.scalar(
            select(func.count())
            .select_from(GroupMember)
            .where(GroupMember.group_id == group_id, GroupMember.role == role)
        )
        return int(found or 0)

    async def roles_of(
        self, user_id: uuid.UUID, group_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, GroupRole]:
        if not group_ids:
            return {}
        rows = await self.session.execute(
            select(GroupMember.group_id, GroupMember.role).where(
                GroupMember.user_id == user_id, GroupMember.group_id.in_(group_ids)
            )
        )
        return {group_id: role for group_id, role in rows}

    async def groups_joined(self, user_id: uuid.UUID) -> int:
        found = await self.session.scalar(
            select(func.count()).select_from(GroupMember).where(GroupMember.user_id == user_id)
        )
        return int(found or 0)

    async def member_ids(self, group_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.session.scalars(
            select(GroupMember.user_id).where(GroupMember.group_id == group_id)
        )
        return list(rows)

    async def memberships(
        self, group_id: uuid.UUID, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, GroupMember]:
        rows = await self.session.scalars(
            select(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.user_id.in_(user_ids)
            )
        )
        return {row.user_id: row for row in rows}


class GroupUserRepository(Repository[User]):
    """A group's members as users, one keyset page at a time."""

    model = User

    async def page(self, group_id: uuid.UUID, *, first: int, after: str | None) -> Page[User]:
        statement = (
            select(User)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group_id)
        )
        return await self.paginate(statement, first=first, after=after, order_by=[User.id])
