"""Challenges: many users racing to one target over a period, and their winners.

Progress moves in the transaction of the activity itself (handlers of `TaskCompleted` and
`FocusSessionCompleted`), so it counts each completion exactly once. A challenge on
STREAK_DAYS takes the streak the gamification handlers (subscribed first) just recorded.
Once a challenge has ended, the hourly `social.settle_challenges` job names its winners
(everyone who reached the target) once, and gives the CHALLENGES_WON badges they earn.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.event_bus import current_bus
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.badges import BadgeCriterion
from db.models.challenges import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    Challenge,
    ChallengeMetric,
    ChallengeParticipant,
)
from db.repositories.base import Page
from db.repositories.challenges import ChallengeRepository, ParticipantRepository
from db.repositories.groups import GroupMemberRepository
from db.repositories.points import StreakRepository
from db.repositories.users import UserRepository
from resolvers.access import Viewer, require_viewer
from resolvers.focus import minutes
from resolvers.gamification.badges import earn_badges
from resolvers.input_rules import clean_text, clean_title, not_found
from resolvers.live import tell
from resolvers.study_events import FocusSessionCompleted, TaskCompleted

MAX_TARGET = 1_000_000
EVENT = "challengeUpdated"
LONGEST = timedelta(days=90)
SETTLE_BATCH = 100


@dataclass(frozen=True)
class ChallengeDraft:
    title: str
    description: str | None
    metric: ChallengeMetric
    target: int
    starts_at: datetime
    ends_at: datetime
    group_id: uuid.UUID | None


@dataclass(frozen=True)
class ChallengeView:
    challenge: Challenge
    participants: int
    mine: ChallengeParticipant | None


@dataclass(frozen=True)
class Place:
    rank: int
    participant: ChallengeParticipant
    display_name: str


def challenge_channel(challenge_id: uuid.UUID) -> str:
    return f"challenge:{challenge_id}"


def _announce(uow: UnitOfWork, challenge_id: uuid.UUID) -> None:
    """Tells `challengeUpdated` subscribers the challenge changed; they read it afresh, so
    the event is only a wake-up call and is not logged."""
    tell(uow, challenge_channel(challenge_id), EVENT, {}, logged=False)


def _checked(draft: ChallengeDraft, now: datetime) -> ChallengeDraft:
    for value, field in ((draft.starts_at, "startsAt"), (draft.ends_at, "endsAt")):
        if value.tzinfo is None:
            raise UserInputError(
                "Give the time with its offset from UTC", code="INVALID_DATETIME", field=field
            )
    if not 1 <= draft.target <= MAX_TARGET:
        raise UserInputError(
            f"The target must be between 1 and {MAX_TARGET}", code="INVALID_TARGET", field="target"
        )
    if draft.ends_at <= draft.starts_at or draft.ends_at - draft.starts_at > LONGEST:
        raise UserInputError(
            "A challenge ends after it starts, within 90 days",
            code="INVALID_PERIOD",
            field="endsAt",
        )
    if draft.ends_at <= now:
        raise UserInputError("A challenge ends in the future", code="ENDS_IN_PAST", field="endsAt")
    return ChallengeDraft(
        title=clean_title(draft.title, "title", most=TITLE_MAX),
        description=clean_text(draft.description, "description", most=DESCRIPTION_MAX),
        metric=draft.metric,
        target=draft.target,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        group_id=draft.group_id,
    )


async def _can_see(session: AsyncSession, challenge: Challenge, user_id: uuid.UUID) -> bool:
    if challenge.group_id is None:
        return True
    return await GroupMemberRepository(session).get(challenge.group_id, user_id) is not None


async def create_challenge(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, draft: ChallengeDraft
) -> ChallengeView:
    """A new challenge, public or within one of my groups, with me as its first participant."""
    me = require_viewer(viewer).user_id
    now = utcnow()
    draft = _checked(draft, now)
    async with UnitOfWork(session_factory) as uow:
        if draft.group_id is not None:
            member = await GroupMemberRepository(uow.session).get(draft.group_id, me)
            if member is None:
                raise not_found("StudyGroup", "groupId")
        challenge = ChallengeRepository(uow.session).add(
            Challenge(
                title=draft.title,
                description=draft.description or "",
                metric=draft.metric,
                target=draft.target,
                starts_at=draft.starts_at,
                ends_at=draft.ends_at,
                group_id=draft.group_id,
                created_by=me,
            )
        )
        await uow.session.flush()
        participants = ParticipantRepository(uow.session)
        await participants.join(challenge.id, me, now)
        mine = (await participants.mine(me, [challenge.id]))[challenge.id]
        await uow.commit()
    return ChallengeView(challenge, 1, mine)


async def join_challenge(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    challenge_id: uuid.UUID,
) -> ChallengeView:
    me = require_viewer(viewer).user_id
    now = utcnow()
    async with UnitOfWork(session_factory) as uow:
        challenge = await ChallengeRepository(uow.session).lock(challenge_id, now)
        if challenge is None or not await _can_see(uow.session, challenge, me):
            raise not_found("Challenge", "challengeId")
        if challenge.ends_at <= now:
            raise UserInputError("This challenge has ended", code="CHALLENGE_ENDED")
        participants = ParticipantRepository(uow.session)
        if not await participants.join(challenge.id, me, now):
            raise UserInputError("You joined this challenge already", code="ALREADY_JOINED")
        _announce(uow, challenge.id)
        count = (await participants.counts([challenge.id]))[challenge.id]
        mine = (await participants.mine(me, [challenge.id]))[challenge.id]
        await uow.commit()
    return ChallengeView(challenge, count, mine)


async def challenge(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    challenge_id: uuid.UUID,
) -> ChallengeView | None:
    me = require_viewer(viewer).user_id
    async with session_factory() as session:
        found = await ChallengeRepository(session).get(challenge_id)
        if found is None or not await _can_see(session, found, me):
            return None
        participants = ParticipantRepository(session)
        count = (await participants.counts([found.id])).get(found.id, 0)
        mine = (await participants.mine(me, [found.id])).get(found.id)
    return ChallengeView(found, count, mine)


async def challenges(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    joined_only: bool,
    first: int,
    after: str | None,
) -> tuple[Page[Challenge], list[ChallengeView]]:
    me = require_viewer(viewer).user_id
    async with session_factory() as session:
        page = await ChallengeRepository(session).visible(
            me, joined_only=joined_only, first=first, after=after
        )
        ids = [c.id for c in page.items]
        participants = ParticipantRepository(session)
        counts = await participants.counts(ids)
        mine = await participants.mine(me, ids)
    return page, [ChallengeView(c, counts.get(c.id, 0), mine.get(c.id)) for c in page.items]


async def load_standings(
    session_factory: async_sessionmaker[AsyncSession], keys: Sequence[tuple[uuid.UUID, int]]
) -> list[list[Place]]:
    """DataLoader batch: the first places of each (challenge, how many) asked, one statement
    per distinct count and one for the names (for challenges their reader may see)."""
    rows: dict[tuple[uuid.UUID, int], list[ChallengeParticipant]] = {}
    async with session_factory() as session:
        participants = ParticipantRepository(session)
        for first in dict.fromkeys(first for _, first in keys):
            ids = [challenge_id for challenge_id, other in keys if other == first]
            found = await participants.standings(ids, first)
            rows.update({(challenge_id, first): found[challenge_id] for challenge_id in ids})
        user_ids = sorted({row.user_id for places in rows.values() for row in places})
        users = await UserRepository(session).get_many(user_ids)
    return [
        [
            Place(rank, row, users[row.user_id].display_name if row.user_id in users else "")
            for rank, row in enumerate(rows[key], start=1)
        ]
        for key in keys
    ]


# --- progress ---------------------------------------------------------------------------


async def on_task_completed(uow: UnitOfWork, event: TaskCompleted) -> None:
    await _advance(uow, event.user_id, ChallengeMetric.TASKS_COMPLETED, 1, event.completed_at)


async def on_focus_session_completed(uow: UnitOfWork, event: FocusSessionCompleted) -> None:
    done = minutes(event.focused_seconds)
    await _advance(uow, event.user_id, ChallengeMetric.FOCUS_MINUTES, done, event.completed_at)


async def _advance(
    uow: UnitOfWork, user_id: uuid.UUID, metric: ChallengeMetric, by: int, at: datetime
) -> None:
    """Adds `by` to the user's running challenges on `metric`, and brings those on
    STREAK_DAYS up to the streak (any completion can lengthen it): one read of their places."""
    wanted = (metric, ChallengeMetric.STREAK_DAYS)
    places = await ParticipantRepository(uow.session).active(user_id, wanted, at)
    if not places:
        return
    current = None
    for place, running in places:
        if running.metric is ChallengeMetric.STREAK_DAYS:
            if current is None:
                streak = await StreakRepository(uow.session).get(user_id)
                current = 0 if streak is None else streak.current
            moved = _set_progress(place, running, max(place.progress, current), at)
        else:
            moved = _set_progress(place, running, place.progress + by, at)
        if moved:
            _announce(uow, running.id)


def _set_progress(
    place: ChallengeParticipant, running: Challenge, value: int, at: datetime
) -> bool:
    """Whether the place changed."""
    if value == place.progress:
        return False
    place.progress = value
    if place.reached_at is None and value >= running.target:
        place.reached_at = at
    return True


# --- settlement -------------------------------------------------------------------------


async def settle_challenges(
    session_factory: async_sessionmaker[AsyncSession], now: datetime | None = None
) -> int:
    """Names the winners of every challenge that has ended, once each; how many settled."""
    now = now or utcnow()
    settled = 0
    while True:
        async with session_factory() as session:
            due = await ChallengeRepository(session).due_to_settle(now, SETTLE_BATCH)
        for challenge_id in due:
            settled += await _settle(session_factory, challenge_id, now)
        if len(due) < SETTLE_BATCH:
            return settled


async def _settle(
    session_factory: async_sessionmaker[AsyncSession], challenge_id: uuid.UUID, now: datetime
) -> int:
    async with UnitOfWork(session_factory) as uow:
        found = await ChallengeRepository(uow.session).lock(challenge_id, now)
        if found is None or found.settled_at is not None:
            return 0  # another run settled it meanwhile
        found.settled_at = now
        _announce(uow, found.id)
        participants = ParticipantRepository(uow.session)
        for winner in await participants.crown(found.id):
            wins = await participants.wins(winner)
            await earn_badges(uow, winner, {BadgeCriterion.CHALLENGES_WON: wins})
        await uow.commit()
    return 1


async def follow_challenge(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    challenge_id: uuid.UUID,
    on_drop: Callable[[], None] | None = None,
) -> AsyncIterator[ChallengeView]:
    """The challenge as it is now, then each time someone joins or moves, until it is
    settled. One the viewer may not see is NOT_FOUND."""
    async with current_bus().subscribe(challenge_channel(challenge_id), on_drop) as feed:
        while True:
            # Read after subscribing: a change committed in between is seen either way.
            view = await challenge(session_factory, viewer, challenge_id)
            if view is None:
                raise not_found("Challenge", "id")
            yield view
            if view.challenge.settled_at is not None:
                return
            await feed.get()  # a change, or a reconnection after which we read afresh
