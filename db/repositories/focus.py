"""Focus sessions, distractions and blocked sites."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update

from db.models.focus import OPEN_FOCUS_STATUSES, BlockedSite, FocusSession, FocusStatus
from db.repositories.base import Page, Repository


class FocusSessionRepository(Repository[FocusSession]):
    model = FocusSession

    async def open_for(self, user_id: uuid.UUID) -> FocusSession | None:
        return await self.session.scalar(
            select(FocusSession).where(
                FocusSession.user_id == user_id, FocusSession.status.in_(OPEN_FOCUS_STATUSES)
            )
        )

    async def count_distraction(self, user_id: uuid.UUID) -> FocusSession | None:
        """Adds one to the open session's distraction count; None when none is open."""
        session_id = await self.session.scalar(
            update(FocusSession)
            .where(FocusSession.user_id == user_id, FocusSession.status.in_(OPEN_FOCUS_STATUSES))
            .values(distraction_count=FocusSession.distraction_count + 1)
            .returning(FocusSession.id)
            .execution_options(synchronize_session=False)
        )
        return (
            None
            if session_id is None
            else await self.session.get(FocusSession, session_id, populate_existing=True)
        )

    async def page(
        self,
        user_id: uuid.UUID,
        *,
        statuses: tuple[FocusStatus, ...],
        first: int,
        after: str | None,
    ) -> Page[FocusSession]:
        statement = select(FocusSession).where(FocusSession.user_id == user_id)
        if statuses:
            statement = statement.where(FocusSession.status.in_(statuses))
        return await self.paginate(statement, first=first, after=after, order_by=[FocusSession.id])

    async def ended_between(
        self, user_id: uuid.UUID, since: datetime, until: datetime
    ) -> list[FocusSession]:
        return list(
            await self.session.scalars(
                select(FocusSession).where(
                    FocusSession.user_id == user_id,
                    FocusSession.ended_at >= since,
                    FocusSession.ended_at < until,
                    FocusSession.status.in_((FocusStatus.COMPLETED, FocusStatus.ABANDONED)),
                )
            )
        )

    async def completed_on_task(self, task_id: uuid.UUID) -> list[FocusSession]:
        """Completed sessions spent on one task."""
        return list(
            await self.session.scalars(
                select(FocusSession).where(
                    FocusSession.task_id == task_id, FocusSession.status == FocusStatus.COMPLETED
                )
            )
        )


class BlockedSiteRepository(Repository[BlockedSite]):
    model = BlockedSite

    async def for_user(self, user_id: uuid.UUID) -> list[BlockedSite]:
        return list(
            await self.session.scalars(
                select(BlockedSite)
                .where(BlockedSite.user_id == user_id)
                .order_by(BlockedSite.pattern)
            )
        )

    async def by_pattern(self, user_id: uuid.UUID, pattern: str) -> BlockedSite | None:
        return await self.session.scalar(
            select(BlockedSite).where(
                BlockedSite.user_id == user_id, BlockedSite.pattern == pattern
            )
        )

    async def count(self, user_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).select_from(BlockedSite).where(BlockedSite.user_id == user_id)
            )
            or 0
        )
