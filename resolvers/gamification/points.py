"""Awarding points exactly once, and reading balances, levels and the ledger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.goals import Difficulty
from db.models.points import EntryKind, PointEntry, SourceKind
from db.repositories.base import Page
from db.repositories.points import Balance, NewEntry, PointRepository
from resolvers.access import Viewer, require_viewer
from resolvers.gamification.leaderboards import announce_scores
from resolvers.gamification.rules import (
    AwardInputs,
    compute_award,
    level_of,
    month_start,
    week_start,
    xp_to_reach,
)
from resolvers.live import tell, user_channel


@dataclass(frozen=True)
class AwardRequest:
    user_id: uuid.UUID
    source_kind: SourceKind
    source_id: uuid.UUID
    reason: str
    at: datetime
    # The user's own day of `at` (caps count per day) and their streak on it.
    day: date
    streak_days: int
    minutes: int
    difficulty: Difficulty
    early: bool = False


@dataclass(frozen=True)
class Award:
    entry_id: uuid.UUID
    inputs: AwardInputs
    balance: Balance


@dataclass(frozen=True)
class PointsSummary:
    balance: int
    total: int
    weekly: int
    monthly: int

    @property
    def level(self) -> int:
        return level_of(self.total)

    @property
    def level_floor(self) -> int:
        return xp_to_reach(self.level)

    @property
    def next_level_at(self) -> int:
        return xp_to_reach(self.level + 1)

    @property
    def progress_to_next_level(self) -> float:
        return (self.total - self.level_floor) / (self.next_level_at - self.level_floor)


def rolled(balance: Balance, week: date, month: date) -> Balance:
    """The balance with its weekly and monthly sums restarted when a new period began."""
    if balance.week_start < week:
        balance = replace(balance, weekly=0, week_start=week)
    if balance.month_start < month:
        balance = replace(balance, monthly=0, month_start=month)
    return balance


async def award_points(
    uow: UnitOfWork, redis: aioredis.Redis, request: AwardRequest
) -> Award | None:
    """Writes the award's ledger entry and balances in the caller's transaction; None when
    the source was already awarded. Leaderboards and the `pointsAwarded` notice follow the
    commit."""
    points = PointRepository(uow.session)
    utc_day = request.at.astimezone(UTC).date()
    week, month = week_start(utc_day), month_start(utc_day)
    # The lock comes first: it serialises this user's awards, so the daily cap below cannot
    # race another award of theirs.
    locked = await points.lock_balance(request.user_id, week, month)
    kind = request.source_kind
    if locked.earned_day == request.day:
        today = locked.earned_today
    elif locked.earned_day is not None and request.day > locked.earned_day:
        today = {}  # the user's first award of a new day
    else:  # a new or rebuilt balance, or a late event for an earlier day: ask the ledger
        today = await points.earned_by_kind(request.user_id, request.day)
    earned = today.get(kind, 0)
    inputs = compute_award(
        kind,
        minutes=request.minutes,
        early=request.early,
        difficulty=request.difficulty,
        streak_days=request.streak_days,
        earned_today=earned,
    )
    balance = rolled(locked, week, month)
    amount = inputs.awarded
    balance = replace(
        balance,
        balance=balance.balance + amount,
        total=balance.total + amount,
        # An award for an earlier period (a late redelivery) counts only in the totals.
        weekly=balance.weekly + (amount if balance.week_start == week else 0),
        monthly=balance.monthly + (amount if balance.month_start == month else 0),
    )
    if locked.earned_day is None or request.day >= locked.earned_day:
        balance = replace(
            balance, earned_day=request.day, earned_today={**today, kind: earned + amount}
        )
    entry = NewEntry(
        user_id=request.user_id,
        kind=EntryKind.AWARD,
        amount=amount,
        reason=request.reason,
        source_kind=kind,
        source_id=request.source_id,
        day=request.day,
        inputs=inputs.to_json(),
        at=request.at,
    )
    entry_id = await points.add_award(balance, entry)
    if entry_id is None:
        return None  # the source was awarded before: a retry, a redelivery, a double click
    tell(
        uow,
        user_channel(request.user_id),
        "pointsAwarded",
        {
            "entryId": str(entry_id),
            "amount": amount,
            "reason": request.reason,
            "balance": balance.balance,
            "total": balance.total,
        },
    )
    if amount > 0:
        announce_scores(uow, redis, balance)
    return Award(entry_id, inputs, balance)


async def my_points(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    now: datetime | None = None,
) -> PointsSummary:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        found = await PointRepository(session).balance(signed_in.user_id)
    if found is None:
        return PointsSummary(0, 0, 0, 0)
    day = (now or utcnow()).astimezone(UTC).date()
    current = rolled(found, week_start(day), month_start(day))
    return PointsSummary(current.balance, current.total, current.weekly, current.monthly)


async def point_history(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    *,
    first: int,
    after: str | None,
) -> Page[PointEntry]:
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        return await PointRepository(session).history(signed_in.user_id, first=first, after=after)


async def rebuild_balances(
    session_factory: async_sessionmaker[AsyncSession],
    now: datetime | None = None,
    batch: int = 500,
) -> int:
    """Recomputes every balance from the ledger (the truth), a batch of users per
    transaction with their rows locked, so awards arriving meanwhile wait and then apply on
    top. Returns how many balances it rewrote. Leaderboards built from the old balances
    must be dropped afterwards (`leaderboards.drop_boards`): they never lower a score."""
    day = (now or utcnow()).astimezone(UTC).date()
    week, month = week_start(day), month_start(day)
    next_month = (month + timedelta(days=32)).replace(day=1)
    async with session_factory() as session:
        holders = await PointRepository(session).holders()
    for i in range(0, len(holders), batch):
        user_ids = holders[i : i + batch]
        async with UnitOfWork(session_factory) as uow:
            points = PointRepository(uow.session)
            await points.lock_many(user_ids, week, month)
            sums = await points.ledger_sums(user_ids, week, month, next_month)
            for user_id in user_ids:
                spendable, total, weekly, monthly = sums.get(user_id, (0, 0, 0, 0))
                await points.save_balance(
                    Balance(user_id, spendable, total, weekly, week, monthly, month, None, {})
                )
            await uow.commit()
    return len(holders)
