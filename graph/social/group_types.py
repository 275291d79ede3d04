"""Study groups and their members as the schema shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.ids import to_global_id
from db.models import groups as models
from db.models.users import User
from graph.errors import UserError
from graph.relay import Connection, check_page_size, connection_of
from resolvers.social import groups

strawberry.enum(
    models.GroupVisibility,
    name="GroupVisibility",
    description="PUBLIC groups are listed and open; PRIVATE ones are joined by invite code.",
)
strawberry.enum(
    models.GroupRole,
    name="GroupRole",
    description="ADMIN sets roles and reads the invite code; MODERATOR moderates; MEMBER.",
)


@strawberry.type(description="A member of a study group.")
class GroupMember:
    user_id: strawberry.ID = strawberry.field(description="Global id of the user.")
    display_name: str = strawberry.field(description="The user's display name.")
    role: models.GroupRole = strawberry.field(description="Their role in the group.")
    joined_at: datetime = strawberry.field(description="When they joined.")

    @classmethod
    def of(cls, user: User, membership: models.GroupMember) -> GroupMember:
        return cls(
            user_id=strawberry.ID(to_global_id("User", user.id)),
            display_name=user.display_name,
            role=membership.role,
            joined_at=membership.joined_at,
        )


@strawberry.type(description="A group of students who study together.")
class StudyGroup:
    view: strawberry.Private[groups.GroupView]
    id: strawberry.ID = strawberry.field(description="Global id of the group.")
    name: str = strawberry.field(description="Its name.")
    description: str = strawberry.field(description="What it is about.")
    visibility: models.GroupVisibility = strawberry.field(description="Who may find and join it.")
    member_limit: int = strawberry.field(description="How many members it takes at most.")
    member_count: int = strawberry.field(description="How many members it has.")
    my_role: models.GroupRole | None = strawberry.field(description="Mine; null if not a member.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def of(cls, view: groups.GroupView) -> StudyGroup:
        group = view.group
        return cls(
            view=view,
            id=strawberry.ID(to_global_id("StudyGroup", group.id)),
            name=group.name,
            description=group.description,
            visibility=group.visibility,
            member_limit=group.member_limit,
            member_count=view.members,
            my_role=view.my_role,
            created_at=group.created_at,
        )

    @strawberry.field(description="The code that joins a private group: for its admins only.")
    def invite_code(self) -> str | None:
        return self.view.invite_code

    @strawberry.field(
        description="Its members, oldest account first, `first` 1 to 100: for members only "
        "(null for anyone else)."
    )
    async def members(
        self, info: strawberry.Info, first: int = 20, after: str | None = None
    ) -> Connection[GroupMember] | None:
        page = await groups.group_members(
            info.context.session_factory,
            info.context.viewer,
            self.view,
            check_page_size(first, info.context.settings.max_page_size),
            after,
        )
        if page is None:
            return None
        return connection_of(page.users, lambda u: GroupMember.of(u, page.memberships[u.id]))


@strawberry.type(description="The result of a change to a study group.")
class StudyGroupPayload:
    group: StudyGroup | None = strawberry.field(description="The group as it now is.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of leaveStudyGroup.")
class LeaveStudyGroupPayload:
    left: bool = strawberry.field(description="True when I left the group.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of setGroupMemberRole.")
class GroupMemberPayload:
    member: GroupMember | None = strawberry.field(description="The member with their new role.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")
