"""SQL of friend requests and friendships."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id
from db.base import utcnow
from db.models.friends import FriendRequest, FriendRequestStatus, Friendship, pair_key
from db.models.users import User
from db.repositories.base import Page, Repository
from db.repositories.dialect import insert_or_ignore, insert_or_lock


class FriendRequestRepository(Repository[FriendRequest]):
    model = FriendRequest

    async def lock_pair(
        self, sender_id: uuid.UUID, recipient_id: uuid.UUID
    ) -> tuple[FriendRequest, bool]:
        """The pair's request, locked until commit, and whether it is new: a pending one
        from sender to recipient is made when the two have none."""
        now = utcnow()
        fresh = new_id()
        found = await self.session.execute(
            insert_or_lock(self.session, FriendRequest, "pair", "id"),
            {
                "id": fresh,
                "pair": pair_key(sender_id, recipient_id),
                "sender_id": sender_id,
                "recipient_id": recipient_id,
                "status": FriendRequestStatus.PENDING,
                "responded_at": None,
                "created_at": now,
                "updated_at": now,
            },
        )
        request = await self.session.get(FriendRequest, found.scalar_one(), populate_existing=True)
        assert request is not None
        return request, request.id == fresh

    async def pending(
        self, user_id: uuid.UUID, *, incoming: bool, first: int, after: str | None
    ) -> Page[FriendRequest]:
        mine = FriendRequest.recipient_id if incoming else FriendRequest.sender_id
        statement = select(FriendRequest).where(
            mine == user_id, FriendRequest.status == FriendRequestStatus.PENDING
        )
        return await self.paginate(statement, first=first, after=after, order_by=[FriendRequest.id])


class FriendshipRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def befriend(self, a: uuid.UUID, b: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            insert_or_ignore(self.session, Friendship),
            [
                {"user_id": a, "friend_id": b, "created_at": now},
                {"user_id": b, "friend_id": a, "created_at": now},
            ],
        )

    async def unfriend(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        result = await self.session.execute(
            delete(Friendship).where(
                or_(
                    (Friendship.user_id == a) & (Friendship.friend_id == b),
                    (Friendship.user_id == b) & (Friendship.friend_id == a),
                )
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def are_friends(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(Friendship.user_id).where(Friendship.user_id == a, Friendship.friend_id == b)
        )
        return found is not None

    async def count(self, user_id: uuid.UUID) -> int:
        found = await self.session.scalar(
            select(func.count()).select_from(Friendship).where(Friendship.user_id == user_id)
        )
        return int(found or 0)

    async def friend_ids(self, user_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.session.scalars(
            select(Friendship.friend_id).where(Friendship.user_id == user_id)
        )
        return list(rows)

    async def since(
        self, user_id: uuid.UUID, friend_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, datetime]:
        rows = await self.session.execute(
            select(Friendship.friend_id, Friendship.created_at).where(
                Friendship.user_id == user_id, Friendship.friend_id.in_(friend_ids)
            )
        )
        return {friend: at for friend, at in rows}


class FriendRepository(Repository[User]):
    """A user's friends as users, one keyset page at a time."""

    model = User

    async def page(self, user_id: uuid.UUID, *, first: int, after: str | None) -> Page[User]:
        statement = (
            select(User)
            .join(Friendship, Friendship.friend_id == User.id)
            .where(Friendship.user_id == user_id)
        )
        return await self.paginate(statement, first=first, after=after, order_by=[User.id])
