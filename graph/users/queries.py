from __future__ import annotations

import uuid

import strawberry

from core.errors import AuthenticationError, UserInputError
from core.ids import from_global_id
from graph.context import Context
from graph.permissions import IsAdmin, IsAuthenticated
from graph.relay import Connection, check_page_size, register_node
from graph.users.types import RoleType, User
from resolvers import users
from resolvers.access import require_viewer


@strawberry.type
class UserQuery:
    @strawberry.field(description="The signed-in user.", permission_classes=[IsAuthenticated])
    async def me(self, info: strawberry.Info[Context, None]) -> User:
        viewer = info.context.viewer
        assert viewer is not None
        found = await users.get_user(info.context.session_factory, viewer, viewer.user_id)
        if found is None:  # deleted while the token was still valid
            raise AuthenticationError("The account no longer exists")
        return User.from_model(found)

    @strawberry.field(
        description="Every account, for admins. `first` 1 to 100.", permission_classes=[IsAdmin]
    )
    async def users(
        self,
        info: strawberry.Info[Context, None],
        first: int,
        after: str | None = None,
        role: RoleType | None = None,
    ) -> Connection[User]:
        page = await users.list_users(
            info.context.session_factory,
            info.context.viewer,
            role=role,
            first=check_page_size(first, info.context.settings.max_page_size),
            after=after,
        )
        return Connection.build(
            page.items,
            page.cursors,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            to_node=User.from_model,
        )


async def fetch_user(info: strawberry.Info[Context, None], user_id: uuid.UUID) -> User | None:
    """Through the operation's DataLoader; the visibility guard checks what comes back."""
    require_viewer(info.context.viewer)
    found = await info.context.loaders.get(users.load_users).load(user_id)
    return None if found is None else User.from_model(found)


register_node("User", fetch_user)


def user_id_from(global_id: str, field: str = "userId") -> uuid.UUID:
    type_name, local = from_global_id(global_id)
    if type_name != "User":
        raise UserInputError("Not a user id", code="INVALID_ID", field=field)
    return local
