"""SQL of challenges and their participants."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models.challenges import Challenge, ChallengeMetric, ChallengeParticipant
from db.models.groups import GroupMember
from db.repositories.base import Page, Repository
from db.repositories.dialect import insert_or_ignore


class ChallengeRepository(Repository[Challenge]):
    model = Challenge

    async def lock(self, challenge_id: uuid.UUID, now: datetime) -> Challenge | None:
        """The challenge, locked until commit by touching its row (a write: SQLite too)."""
        await self.session.execute(
            update(Challenge).where(Challenge.id == challenge_id).values(updated_at=now)
        )
        return await self.session.get(Challenge, challenge_id, populate_existing=True)

    async def visible(
        self, user_id: uuid.UUID, *, joined_only: bool, first: int, after: str | None
    ) -> Page[Challenge]:
        """Public challenges and those of my groups (or only those I joined), oldest first."""
        mine = select(GroupMember.group_id).where(GroupMember.user_id == user_id)
        statement = select(Challenge).where(
            or_(Challenge.group_id.is_(None), Challenge.group_id.in_(mine))
        )
        if joined_only:
            joined = select(ChallengeParticipant.challenge_id).where(
                ChallengeParticipant.user_id == user_id
            )
            statement = statement.where(Challenge.id.in_(joined))
        return await self.paginate(statement, first=first, after=after, order_by=[Challenge.id])

    async def due_to_settle(self, now: datetime, limit: int) -> list[uuid.UUID]:
        rows = await self.session.scalars(
            select(Challenge.id)
            .where(Challenge.settled_at.is_(None), Challenge.ends_at <= now)
            .order_by(Challenge.ends_at)
            .limit(limit)
        )
        return list(rows)


class ParticipantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def join(self, challenge_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> bool:
        """True when the user joined now (False: they had joined already)."""
        found = await self.session.execute(
            insert_or_ignore(self.session, ChallengeParticipant, "user_id"),
            {
                "challenge_id": challenge_id,
                "user_id": user_id,
                "progress": 0,
                "reached_at": None,
                "won": False,
                "joined_at": now,
            },
        )
        return found.first() is not None

    async def active(
        self, user_id: uuid.UUID, metrics: Sequence[ChallengeMetric], at: datetime
    ) -> list[tuple[ChallengeParticipant, Challenge]]:
        """The user's places in challenges on `metrics` running at `at`, locked until commit."""
        rows = await self.session.execute(
            select(ChallengeParticipant, Challenge)
            .join(Challenge, Challenge.id == ChallengeParticipant.challenge_id)
            .where(
                ChallengeParticipant.user_id == user_id,
                Challenge.metric.in_(metrics),
                Challenge.starts_at <= at,
                Challenge.ends_at > at,
                Challenge.settled_at.is_(None),
            )
            .with_for_update(of=ChallengeParticipant)
        )
        return [(participant, challenge) for participant, challenge in rows]

    async def standings(
        self, challenge_ids: Sequence[uuid.UUID], limit: int
    ) -> dict[uuid.UUID, list[ChallengeParticipant]]:
        """The first `limit` places of each challenge, in one statement: who reached the
        target first, then the most progress, then the older account."""
        rank = (
            func.row_number()
            .over(
                partition_by=ChallengeParticipant.challenge_id,
                order_by=(
                    ChallengeParticipant.reached_at.is_(None),
                    ChallengeParticipant.reached_at,
                    ChallengeParticipant.progress.desc(),
                    ChallengeParticipant.user_id,
                ),
            )
            .label("place")
        )
        ranked = (
            select(ChallengeParticipant, rank)
            .where(ChallengeParticipant.challenge_id.in_(challenge_ids))
            .subquery()
        )
        row = aliased(ChallengeParticipant, ranked)
        rows = await self.session.scalars(
            select(row)
            .where(ranked.c.place <= limit)
            .order_by(ranked.c.challenge_id, ranked.c.place)
        )
        found: dict[uuid.UUID, list[ChallengeParticipant]] = {i: [] for i in challenge_ids}
        for participant in rows:
            found[participant.challenge_id].append(participant)
        return found

    async def counts(self, challenge_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not challenge_ids:
            return {}
        rows = await self.session.execute(
            select(ChallengeParticipant.challenge_id, func.count())
            .where(ChallengeParticipant.challenge_id.in_(challenge_ids))
            .group_by(ChallengeParticipant.challenge_id)
        )
        return {challenge_id: int(count) for challenge_id, count in rows}

    async def mine(
        self, user_id: uuid.UUID, challenge_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ChallengeParticipant]:
        if not challenge_ids:
            return {}
        rows = await self.session.scalars(
            select(ChallengeParticipant).where(
                ChallengeParticipant.user_id == user_id,
                ChallengeParticipant.challenge_id.in_(challenge_ids),
            )
        )
        return {row.challenge_id: row for row in rows}

    async def member_ids(self, challenge_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.session.scalars(
            select(ChallengeParticipant.user_id).where(
                ChallengeParticipant.challenge_id == challenge_id
            )
        )
        return list(rows)

    async def crown(self, challenge_id: uuid.UUID) -> list[uuid.UUID]:
        """Marks everyone who reached the target a winner; their ids."""
        rows = await self.session.scalars(
            update(ChallengeParticipant)
            .where(
                ChallengeParticipant.challenge_id == challenge_id,
                ChallengeParticipant.reached_at.is_not(None),
            )
            .values(won=True)
            .returning(ChallengeParticipant.user_id)
        )
        return list(rows)

    async def wins(self, user_id: uuid.UUID) -> int:
        found = await self.session.scalar(
            select(func.count())
            .select_from(ChallengeParticipant)
            .where(ChallengeParticipant.user_id == user_id, ChallengeParticipant.won.is_(True))
        )
        return int(found or 0)
