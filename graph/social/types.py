"""Friends and friend requests as the schema shows them."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from core.ids import to_global_id
from db.models import friends as models
from db.models.users import User
from graph.errors import UserError

strawberry.enum(
    models.FriendRequestStatus,
    name="FriendRequestStatus",
    description="PENDING until the recipient answers; ACCEPTED made a friendship.",
)


@strawberry.type(description="Someone as other users see them: an id and a name.")
class Person:
    user_id: strawberry.ID = strawberry.field(description="Global id of the user.")
    display_name: str = strawberry.field(description="The user's display name.")

    @classmethod
    def of(cls, user_id: uuid.UUID, display_name: str) -> Person:
        return cls(user_id=strawberry.ID(to_global_id("User", user_id)), display_name=display_name)


@strawberry.type(description="A friend of mine.")
class Friend:
    user_id: strawberry.ID = strawberry.field(description="Global id of the user.")
    display_name: str = strawberry.field(description="The user's display name.")
    since: datetime = strawberry.field(description="When we became friends.")

    @classmethod
    def of(cls, user: User, since: datetime) -> Friend:
        return cls(
            user_id=strawberry.ID(to_global_id("User", user.id)),
            display_name=user.display_name,
            since=since,
        )


@strawberry.type(description="One user asking another to be friends.")
class FriendRequest:
    id: strawberry.ID = strawberry.field(description="Global id of the request.")
    sender: Person = strawberry.field(description="Who asked.")
    recipient: Person = strawberry.field(description="Who was asked.")
    status: models.FriendRequestStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it was first sent.")
    responded_at: datetime | None = strawberry.field(description="When it was answered.")

    @classmethod
    def of(cls, request: models.FriendRequest, names: dict[uuid.UUID, str]) -> FriendRequest:
        return cls(
            id=strawberry.ID(to_global_id("FriendRequest", request.id)),
            sender=Person.of(request.sender_id, names.get(request.sender_id, "")),
            recipient=Person.of(request.recipient_id, names.get(request.recipient_id, "")),
            status=request.status,
            created_at=request.created_at,
            responded_at=request.responded_at,
        )


@strawberry.type(description="The result of sendFriendRequest and respondToFriendRequest.")
class FriendRequestPayload:
    request: FriendRequest | None = strawberry.field(description="The request as it now is.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of removeFriend.")
class RemoveFriendPayload:
    removed: bool = strawberry.field(description="True when the friendship ended.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed.")
