"""Asking, answering and ending friendships."""

from __future__ import annotations

import strawberry

from graph.context import Context
from graph.errors import UserError, user_errors
from graph.permissions import IsAuthenticated
from graph.social.types import FriendRequest, FriendRequestPayload, RemoveFriendPayload
from resolvers.input_rules import local_id
from resolvers.social import friends


def _payload(view: friends.RequestView | None, errors: list[UserError]) -> FriendRequestPayload:
    request = None if view is None else FriendRequest.of(view.request, view.names)
    return FriendRequestPayload(request=request, errors=errors)


@strawberry.type
class SocialMutation:
    @strawberry.mutation(
        description="Asks a user to be friends. Asking again while it is pending returns the "
        "same request; if they have asked me already, theirs is accepted and returned. "
        "CANNOT_FRIEND_SELF, ALREADY_FRIENDS, REQUEST_DECLINED (they said no; they can still "
        "ask me), FRIEND_LIMIT_REACHED (1 000 each) and an unknown user (NOT_FOUND) change "
        "nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def send_friend_request(
        self, info: strawberry.Info[Context, None], user_id: strawberry.ID
    ) -> FriendRequestPayload:
        async def send() -> friends.RequestView:
            return await friends.send_friend_request(
                info.context.session_factory,
                info.context.viewer,
                local_id(user_id, "User", "userId"),
            )

        return _payload(*await user_errors(send()))

    @strawberry.mutation(
        description="Accepts or declines a friend request sent to me. A request that is not "
        "pending is REQUEST_NOT_PENDING; one not sent to me is NOT_FOUND.",
        permission_classes=[IsAuthenticated],
    )
    async def respond_to_friend_request(
        self, info: strawberry.Info[Context, None], request_id: strawberry.ID, accept: bool
    ) -> FriendRequestPayload:
        async def respond() -> friends.RequestView:
            return await friends.respond_to_friend_request(
                info.context.session_factory,
                info.context.viewer,
                local_id(request_id, "FriendRequest", "requestId"),
                accept,
            )

        return _payload(*await user_errors(respond()))

    @strawberry.mutation(
        description="Ends a friendship, for both of us (NOT_FRIENDS when there is none).",
        permission_classes=[IsAuthenticated],
    )
    async def remove_friend(
        self, info: strawberry.Info[Context, None], user_id: strawberry.ID
    ) -> RemoveFriendPayload:
        async def remove() -> bool:
            await friends.remove_friend(
                info.context.session_factory,
                info.context.viewer,
                local_id(user_id, "User", "userId"),
            )
            return True

        removed, errors = await user_errors(remove())
        return RemoveFriendPayload(removed=bool(removed), errors=errors)
