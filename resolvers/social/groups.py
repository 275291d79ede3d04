"""Study groups: creating, finding, joining, leaving, and the members' roles.

A public group is listed and open to anyone signed in; a private one is joined with its
invite code, which its admins read, and to anyone else does not exist. Admins set roles;
a group always keeps an admin while it has members. Every change of membership first
locks the group's row (`StudyGroupRepository.lock`), so the member limit holds under
concurrent joins and the last admin cannot leave at the same moment as another.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.groups import (
    DESCRIPTION_MAX,
    NAME_MAX,
    GroupMember,
    GroupRole,
    GroupVisibility,
    StudyGroup,
)
from db.models.users import User
from db.repositories.base import Page
from db.repositories.groups import GroupMemberRepository, GroupUserRepository, StudyGroupRepository
from db.repositories.users import UserRepository
from resolvers.access import Viewer, require_viewer
from resolvers.input_rules import clean_text, clean_title, not_found

MAX_MEMBERS = 500  # the largest member limit a group may set
DEFAULT_MEMBERS = 50
MAX_GROUPS = 50  # groups one user belongs to at most
SEARCH_MAX = 100


@dataclass(frozen=True)
class GroupDraft:
    name: str
    description: str | None
    visibility: GroupVisibility
    member_limit: int


@dataclass(frozen=True)
class GroupView:
    group: StudyGroup
    members: int
    my_role: GroupRole | None  # the viewer's

    @property
    def invite_code(self) -> str | None:
        """Only the group's admins read it."""
        return self.group.invite_code if self.my_role is GroupRole.ADMIN else None


@dataclass(frozen=True)
class MemberPage:
    users: Page[User]
    memberships: dict[uuid.UUID, GroupMember]


def _checked(draft: GroupDraft) -> GroupDraft:
    if not 2 <= draft.member_limit <= MAX_MEMBERS:
        raise UserInputError(
            f"A group holds 2 to {MAX_MEMBERS} members",
            code="INVALID_MEMBER_LIMIT",
            field="memberLimit",
        )
    return GroupDraft(
        name=clean_title(draft.name, "name", most=NAME_MAX),
        description=clean_text(draft.description, "description", most=DESCRIPTION_MAX),
        visibility=draft.visibility,
        member_limit=draft.member_limit,
    )


async def _room_for_group(members: GroupMemberRepository, user_id: uuid.UUID) -> None:
    if await members.groups_joined(user_id) >= MAX_GROUPS:
        raise UserInputError(
            f"A user belongs to at most {MAX_GROUPS} groups", code="GROUP_LIMIT_REACHED"
        )


async def create_study_group(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, draft: GroupDraft
) -> GroupView:
    me = require_viewer(viewer).user_id
    draft = _checked(draft)
    now = utcnow()
    async with UnitOfWork(session_factory) as uow:
        members = GroupMemberRepository(uow.session)
        await _room_for_group(members, me)
        group = StudyGroupRepository(uow.session).add(
            StudyGroup(
                name=draft.name,
                name_key=draft.name.casefold(),
                description=draft.description or "",
                visibility=draft.visibility,
                member_limit=draft.member_limit,
                invite_code=secrets.token_urlsafe(16),
                created_by=me,
            )
        )
        await uow.session.flush()
        await members.add(group.id, me, GroupRole.ADMIN, now)
        await uow.commit()
    return GroupView(group, 1, GroupRole.ADMIN)


async def study_group(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, group_id: uuid.UUID
) -> GroupView | None:
    """A public group, or a private one I belong to (admins of the site see every group)."""
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        group = await StudyGroupRepository(session).get(group_id)
        if group is None:
            return None
        members = GroupMemberRepository(session)
        role = (await members.roles_of(signed_in.user_id, [group.id])).get(group.id)
        if group.visibility is GroupVisibility.PRIVATE and role is None and not signed_in.is_admin:
            return None
        count = (await members.counts([group.id])).get(group.id, 0)
    return GroupView(group, count, role)


async def study_groups(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    search: str | None,
    first: int,
    after: str | None,
) -> tuple[Page[StudyGroup], list[GroupView]]:
    """Public groups whose name contains `search`, oldest first."""
    me = require_viewer(viewer).user_id
    if search is not None and len(search) > SEARCH_MAX:
        raise UserInputError(
            f"Search with at most {SEARCH_MAX} characters", code="SEARCH_TOO_LONG", field="search"
        )
    key = " ".join(search.split()).casefold() if search else None
    async with session_factory() as session:
        page = await StudyGroupRepository(session).listed(key, first=first, after=after)
        members = GroupMemberRepository(session)
        ids = [g.id for g in page.items]
        counts = await members.counts(ids)
        roles = await members.roles_of(me, ids)
    return page, [GroupView(g, counts.get(g.id, 0), roles.get(g.id)) for g in page.items]


async def join_study_group(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    group_id: uuid.UUID,
    invite_code: str | None,
) -> GroupView:
    me = require_viewer(viewer).user_id
    now = utcnow()
    async with UnitOfWork(session_factory) as uow:
        group = await StudyGroupRepository(uow.session).lock(group_id, now)
        if group is None:
            raise not_found("StudyGroup", "groupId")
        members = GroupMemberRepository(uow.session)
        if await members.get(group.id, me) is not None:
            raise UserInputError("You are a member already", code="ALREADY_MEMBER")
        invited = secrets.compare_digest((invite_code or "").encode(), group.invite_code.encode())
        if group.visibility is GroupVisibility.PRIVATE and not invited:
            raise not_found("StudyGroup", "groupId")
        count = (await members.counts([group.id])).get(group.id, 0)
        if count >= group.member_limit:
            raise UserInputError(
                f"The group is full ({group.member_limit} members)", code="GROUP_FULL"
            )
        await _room_for_group(members, me)
        # A group left without an admin (its last one deleted their account, or it was
        # left empty) is taken over by whoever joins next.
        leaderless = await members.count_role(group.id, GroupRole.ADMIN) == 0
        role = GroupRole.ADMIN if leaderless else GroupRole.MEMBER
        await members.add(group.id, me, role, now)
        await uow.commit()
    return GroupView(group, count + 1, role)


async def leave_study_group(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, group_id: uuid.UUID
) -> None:
    me = require_viewer(viewer).user_id
    async with UnitOfWork(session_factory) as uow:
        group, mine = await _membership(uow, group_id, me)
        members = GroupMemberRepository(uow.session)
        count = (await members.counts([group.id])).get(group.id, 0)
        if mine.role is GroupRole.ADMIN and count > 1:
            await _keep_an_admin(members, group.id)
        await members.remove(group.id, me)
        await uow.commit()


async def set_group_member_role(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    group_id: uuid.UUID,
    user_id: uuid.UUID,
    role: GroupRole,
) -> tuple[GroupMember, User]:
    """An admin of the group gives a member a role (themselves too, while another admin
    remains)."""
    me = require_viewer(viewer).user_id
    async with UnitOfWork(session_factory) as uow:
        group, mine = await _membership(uow, group_id, me)
        if mine.role is not GroupRole.ADMIN:
            raise UserInputError(
                "Only the group's admins set roles", code="NOT_GROUP_ADMIN", field="groupId"
            )
        members = GroupMemberRepository(uow.session)
        target = await members.get(group.id, user_id)
        if target is None:
            raise not_found("GroupMember", "userId")
        if target.role is GroupRole.ADMIN and role is not GroupRole.ADMIN:
            await _keep_an_admin(members, group.id)
        target.role = role
        user = await UserRepository(uow.session).get(user_id)
        assert user is not None  # a member's account: deleting it removes the membership
        await uow.commit()
    return target, user


async def _membership(
    uow: UnitOfWork, group_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[StudyGroup, GroupMember]:
    """The locked group and my place in it; a group I am not in does not exist for me."""
    group = await StudyGroupRepository(uow.session).lock(group_id, utcnow())
    mine = (
        None if group is None else await GroupMemberRepository(uow.session).get(group_id, user_id)
    )
    if group is None or mine is None:
        raise not_found("StudyGroup", "groupId")
    return group, mine


async def _keep_an_admin(members: GroupMemberRepository, group_id: uuid.UUID) -> None:
    if await members.count_role(group_id, GroupRole.ADMIN) <= 1:
        raise UserInputError(
            "Make another member an admin first: a group keeps an admin", code="LAST_ADMIN"
        )


async def group_members(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    view: GroupView,
    first: int,
    after: str | None,
) -> MemberPage | None:
    """The group's members, oldest account first, for its members (and the site's admins);
    None for anyone else. `view` is the group as this viewer reads it."""
    signed_in = require_viewer(viewer)
    if view.my_role is None and not signed_in.is_admin:
        return None
    group_id = view.group.id
    async with session_factory() as session:
        users = await GroupUserRepository(session).page(group_id, first=first, after=after)
        found = await GroupMemberRepository(session).memberships(
            group_id, [u.id for u in users.items]
        )
    return MemberPage(users, found)
