"""Reads of my friends and my pending friend requests."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.context import Context
from graph.permissions import IsAuthenticated
from graph.relay import Connection, check_page_size, connection_of
from graph.social.types import Friend, FriendRequest
from resolvers.social import friends


@strawberry.type
class SocialQuery:
    @strawberry.field(
        description="My friends, in the order they joined StudyGraph. `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def friends(
        self, info: strawberry.Info[Context, None], first: int = 20, after: str | None = None
    ) -> Connection[Friend]:
        page = await friends.friends(
            info.context.session_factory,
            info.context.viewer,
            check_page_size(first, info.context.settings.max_page_size),
            after,
        )
        return connection_of(page.users, lambda user: Friend.of(user, page.since[user.id]))

    @strawberry.field(
        description="My pending friend requests, oldest first: those asking me, or with "
        "`incoming: false` those I sent. `first` 1 to 100.",
        permission_classes=[IsAuthenticated],
    )
    async def friend_requests(
        self,
        info: strawberry.Info[Context, None],
        incoming: Annotated[
            bool, strawberry.argument(description="Requests to me (true) or from me (false).")
        ] = True,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[FriendRequest]:
        page = await friends.friend_requests(
            info.context.session_factory,
            info.context.viewer,
            incoming,
            check_page_size(first, info.context.settings.max_page_size),
            after,
        )
        return connection_of(page.requests, lambda request: FriendRequest.of(request, page.names))
