"""Creating, joining and leaving study groups, and members' roles."""

from __future__ import annotations

import strawberry

from db.models.groups import GroupRole, GroupVisibility
from graph.context import Context
from graph.errors import UserError, user_errors
from graph.permissions import IsAuthenticated
from graph.social.group_types import (
    GroupMember,
    GroupMemberPayload,
    LeaveStudyGroupPayload,
    StudyGroup,
    StudyGroupPayload,
)
from resolvers.input_rules import local_id
from resolvers.social import groups


@strawberry.input(description="A new study group.")
class CreateStudyGroupInput:
    name: str = strawberry.field(description="1 to 100 characters.")
    visibility: GroupVisibility = strawberry.field(description="Who may find and join it.")
    description: str | None = strawberry.field(default=None, description="At most 500 characters.")
    member_limit: int = strawberry.field(
        default=groups.DEFAULT_MEMBERS, description="2 to 500 members."
    )


def _payload(view: groups.GroupView | None, errors: list[UserError]) -> StudyGroupPayload:
    return StudyGroupPayload(group=None if view is None else StudyGroup.of(view), errors=errors)


@strawberry.type
class GroupMutation:
    @strawberry.mutation(
        description="Creates a study group with me as its admin. EMPTY_TITLE, TITLE_TOO_LONG, "
        "TEXT_TOO_LONG, INVALID_MEMBER_LIMIT and GROUP_LIMIT_REACHED (50 groups each) create "
        "nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def create_study_group(
        self, info: strawberry.Info[Context, None], input: CreateStudyGroupInput
    ) -> StudyGroupPayload:
        draft = groups.GroupDraft(
            name=input.name,
            description=input.description,
            visibility=input.visibility,
            member_limit=input.member_limit,
        )
        return _payload(
            *await user_errors(
                groups.create_study_group(info.context.session_factory, info.context.viewer, draft)
            )
        )

    @strawberry.mutation(
        description="Joins a public group, or a private one with its invite code (without the "
        "right code a private group is NOT_FOUND). ALREADY_MEMBER, GROUP_FULL and "
        "GROUP_LIMIT_REACHED change nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def join_study_group(
        self,
        info: strawberry.Info[Context, None],
        group_id: strawberry.ID,
        invite_code: str | None = None,
    ) -> StudyGroupPayload:
        async def join() -> groups.GroupView:
            return await groups.join_study_group(
                info.context.session_factory,
                info.context.viewer,
                local_id(group_id, "StudyGroup", "groupId"),
                invite_code,
            )

        return _payload(*await user_errors(join()))

    @strawberry.mutation(
        description="Leaves a group. Its last admin cannot leave while others remain "
        "(LAST_ADMIN): make another member admin first.",
        permission_classes=[IsAuthenticated],
    )
    async def leave_study_group(
        self, info: strawberry.Info[Context, None], group_id: strawberry.ID
    ) -> LeaveStudyGroupPayload:
        async def leave() -> bool:
            await groups.leave_study_group(
                info.context.session_factory,
                info.context.viewer,
                local_id(group_id, "StudyGroup", "groupId"),
            )
            return True

        left, errors = await user_errors(leave())
        return LeaveStudyGroupPayload(left=bool(left), errors=errors)

    @strawberry.mutation(
        description="Gives a member of my group a role (group admins only: NOT_GROUP_ADMIN). "
        "Demoting the last admin is LAST_ADMIN.",
        permission_classes=[IsAuthenticated],
    )
    async def set_group_member_role(
        self,
        info: strawberry.Info[Context, None],
        group_id: strawberry.ID,
        user_id: strawberry.ID,
        role: GroupRole,
    ) -> GroupMemberPayload:
        async def assign() -> GroupMember:
            membership, user = await groups.set_group_member_role(
                info.context.session_factory,
                info.context.viewer,
                local_id(group_id, "StudyGroup", "groupId"),
                local_id(user_id, "User", "userId"),
                role,
            )
            return GroupMember.of(user, membership)

        member, errors = await user_errors(assign())
        return GroupMemberPayload(member=member, errors=errors)
