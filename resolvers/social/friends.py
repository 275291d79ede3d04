"""Friends: asking, answering, listing and ending friendships.

Every change between two users starts by upserting their pair's request row
(`FriendRequestRepository.lock_pair`), which locks it until commit on PostgreSQL and
SQLite alike: two people asking each other at once, or one answering while the other ends
the friendship, take turns. A request that meets one coming the other way accepts it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.friends import FriendRequest, FriendRequestStatus
from db.models.users import User
from db.repositories.base import Page
from db.repositories.friends import (
    FriendRepository,
    FriendRequestRepository,
    FriendshipRepository,
)
from db.repositories.users import UserRepository
from resolvers.access import Viewer, require_viewer
from resolvers.input_rules import not_found

MAX_FRIENDS = 1000  # a FRIENDS leaderboard ranks all of them in one read


@dataclass(frozen=True)
class RequestView:
    request: FriendRequest
    names: dict[uuid.UUID, str]  # display names of its sender and recipient


@dataclass(frozen=True)
class FriendPage:
    users: Page[User]
    since: dict[uuid.UUID, datetime]


@dataclass(frozen=True)
class RequestPage:
    requests: Page[FriendRequest]
    names: dict[uuid.UUID, str]


async def send_friend_request(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    user_id: uuid.UUID,
) -> RequestView:
    """Asks `user_id` to be friends. Asking again while it is pending returns the same
    request; when they have asked me already, their request is accepted instead."""
    me = require_viewer(viewer).user_id
    if user_id == me:
        raise UserInputError("You cannot befriend yourself", code="CANNOT_FRIEND_SELF")
    async with UnitOfWork(session_factory) as uow:
        if await UserRepository(uow.session).get(user_id) is None:
            raise not_found("User", "userId")
        request, new = await FriendRequestRepository(uow.session).lock_pair(me, user_id)
        friendships = FriendshipRepository(uow.session)
        status, mine = request.status, request.sender_id == me
        if new:
            await _room_for_friend(friendships, me, user_id)
        elif await friendships.are_friends(me, user_id):
            raise UserInputError("You are friends already", code="ALREADY_FRIENDS")
        elif status is FriendRequestStatus.PENDING and not mine:
            await _accept(friendships, request)
        elif status is FriendRequestStatus.DECLINED and mine:
            raise UserInputError(
                "They declined your request; they can still ask you", code="REQUEST_DECLINED"
            )
        elif status is not FriendRequestStatus.PENDING:
            # asking back after declining them, or again after the friendship ended
            await _room_for_friend(friendships, me, user_id)
            request.sender_id, request.recipient_id = me, user_id
            request.status, request.responded_at = FriendRequestStatus.PENDING, None
        view = await _view(uow, request)
        await uow.commit()
    return view


async def respond_to_friend_request(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    request_id: uuid.UUID,
    accept: bool,
) -> RequestView:
    me = require_viewer(viewer).user_id
    async with UnitOfWork(session_factory) as uow:
        requests = FriendRequestRepository(uow.session)
        found = await requests.get(request_id)
        if found is None or found.recipient_id != me:
            raise not_found("FriendRequest", "requestId")
        request, _ = await requests.lock_pair(found.sender_id, me)
        if request.recipient_id != me:  # it changed direction meanwhile
            raise not_found("FriendRequest", "requestId")
        if request.status is not FriendRequestStatus.PENDING:
            raise UserInputError(
                f"This request was {request.status.lower()} already", code="REQUEST_NOT_PENDING"
            )
        if accept:
            await _accept(FriendshipRepository(uow.session), request)
        else:
            request.status, request.responded_at = FriendRequestStatus.DECLINED, utcnow()
        view = await _view(uow, request)
        await uow.commit()
    return view


async def remove_friend(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    user_id: uuid.UUID,
) -> None:
    me = require_viewer(viewer).user_id
    if user_id == me:
        raise UserInputError("You are not friends", code="NOT_FRIENDS", field="userId")
    async with UnitOfWork(session_factory) as uow:
        if await UserRepository(uow.session).get(user_id) is not None:
            await FriendRequestRepository(uow.session).lock_pair(me, user_id)
        if not await FriendshipRepository(uow.session).unfriend(me, user_id):
            # the pair's row it may have made goes with the rollback
            raise UserInputError("You are not friends", code="NOT_FRIENDS", field="userId")
        await uow.commit()


async def _room_for_friend(friendships: FriendshipRepository, *users: uuid.UUID) -> None:
    for user_id in users:
        if await friendships.count(user_id) >= MAX_FRIENDS:
            raise UserInputError(
                f"A user can have at most {MAX_FRIENDS} friends", code="FRIEND_LIMIT_REACHED"
            )


async def _accept(friendships: FriendshipRepository, request: FriendRequest) -> None:
    now = utcnow()
    await _room_for_friend(friendships, request.sender_id, request.recipient_id)
    await friendships.befriend(request.sender_id, request.recipient_id, now)
    request.status, request.responded_at = FriendRequestStatus.ACCEPTED, now


async def _view(uow: UnitOfWork, request: FriendRequest) -> RequestView:
    await uow.session.flush()
    users = await UserRepository(uow.session).get_many([request.sender_id, request.recipient_id])
    return RequestView(request, {i: user.display_name for i, user in users.items()})


async def friends(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    first: int,
    after: str | None,
) -> FriendPage:
    me = require_viewer(viewer).user_id
    async with session_factory() as session:
        users = await FriendRepository(session).page(me, first=first, after=after)
        since = await FriendshipRepository(session).since(me, [u.id for u in users.items])
    return FriendPage(users, since)


async def friend_requests(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    incoming: bool,
    first: int,
    after: str | None,
) -> RequestPage:
    """My pending requests: those asking me (`incoming`) or those I sent."""
    me = require_viewer(viewer).user_id
    async with session_factory() as session:
        page = await FriendRequestRepository(session).pending(
            me, incoming=incoming, first=first, after=after
        )
        ids = {r.sender_id for r in page.items} | {r.recipient_id for r in page.items}
        found = await UserRepository(session).get_many(sorted(ids))
    return RequestPage(page, {i: user.display_name for i, user in found.items()})
