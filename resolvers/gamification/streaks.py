"""Streaks: consecutive days with a completed task or focus session, in the user's own
calendar, kept alive over a missed day by a freeze when one is held."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.points import Streak
from db.repositories.points import StreakRepository
from db.repositories.users import PreferencesRepository, default_preferences
from resolvers.access import Viewer, require_viewer
from resolvers.gamification.rules import local_day
from resolvers.live import tell, user_channel

FREEZE_EVERY_ACTIVE_DAYS = 7
MAX_FREEZES = 2


@dataclass(frozen=True)
class StreakState:
    current: int = 0
    longest: int = 0
    freezes: int = 0
    active_days: int = 0
    last_active_day: date | None = None


def settle(state: StreakState, today: date) -> StreakState:
    """The streak as of `today` before any activity today: each day missed since the last
    active one spends a freeze; when there are not enough, the streak is lost (the freezes
    are kept for the next one)."""
    last = state.last_active_day
    if last is None or last >= today - timedelta(days=1):
        return state
    missed = (today - last).days - 1
    if state.current > 0 and missed <= state.freezes:
        return replace(
            state, freezes=state.freezes - missed, last_active_day=today - timedelta(days=1)
        )
    return replace(state, current=0)


def record_day(state: StreakState, day: date) -> StreakState:
    """The streak after activity on `day`; a day already counted changes nothing."""
    settled = settle(state, day)
    if settled.last_active_day is not None and settled.last_active_day >= day:
        return settled
    active_days = settled.active_days + 1
    earned = active_days % FREEZE_EVERY_ACTIVE_DAYS == 0
    current = settled.current + 1
    return StreakState(
        current=current,
        longest=max(settled.longest, current),
        freezes=min(MAX_FREEZES, settled.freezes + 1) if earned else settled.freezes,
        active_days=active_days,
        last_active_day=day,
    )


@dataclass(frozen=True)
class StreakView:
    state: StreakState
    today: date

    @property
    def active_today(self) -> bool:
        return self.state.last_active_day == self.today


async def record_activity(
    session: AsyncSession, user_id: uuid.UUID, at: datetime
) -> tuple[StreakState, StreakState, date]:
    """Counts the user's day of `at` (in their time zone and day-start hour); returns the
    streak before and after, and that day."""
    preferences = await PreferencesRepository(session).current(user_id)
    day = local_day(at, preferences.time_zone, preferences.day_start_hour)
    row = await StreakRepository(session).lock(user_id)
    before = _state(row)
    after = record_day(before, day)
    if after != before:
        _store(row, after)
        await session.flush()
    return before, after, day


def _state(row: Streak) -> StreakState:
    return StreakState(row.current, row.longest, row.freezes, row.active_days, row.last_active_day)


def _store(row: Streak, state: StreakState) -> None:
    row.current, row.longest, row.freezes = state.current, state.longest, state.freezes
    row.active_days, row.last_active_day = state.active_days, state.last_active_day


async def settle_streaks(
    session_factory: async_sessionmaker[AsyncSession],
    now: datetime | None = None,
    batch: int = 200,
) -> int:
    """Applies missed days to the streaks they changed, as each user's day ends: a freeze
    spent, or the streak lost; each user hears `streakUpdated` after the commit. Returns
    how many streaks changed. Reads settle the same way, so this only makes the stored
    state and the notices follow the calendar without waiting for the user's next activity."""
    now = now or utcnow()
    async with session_factory() as session:
        # A streak can have missed a day only if its last day is before the day before the
        # latest "today" anywhere on Earth (UTC+14): a superset, each settled in its zone.
        candidates = await StreakRepository(session).lapsing(
            before=(now + timedelta(hours=14)).date() - timedelta(days=1)
        )
    changed = 0
    for i in range(0, len(candidates), batch):
        async with UnitOfWork(session_factory) as uow:
            streaks = StreakRepository(uow.session)
            preferences = await PreferencesRepository(uow.session).many(candidates[i : i + batch])
            for user_id in candidates[i : i + batch]:
                found = preferences.get(user_id) or default_preferences(user_id)
                today = local_day(now, found.time_zone, found.day_start_hour)
                row = await streaks.lock(user_id)
                before = _state(row)
                after = settle(before, today)
                if after == before:
                    continue
                _store(row, after)
                changed += 1
                tell(
                    uow,
                    user_channel(user_id),
                    "streakUpdated",
                    {"current": after.current, "longest": after.longest, "freezes": after.freezes},
                )
            await uow.session.flush()
            await uow.commit()
    return changed


async def my_streak(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    now: datetime | None = None,
) -> StreakView:
    """The caller's streak as it stands now (missed days settled, without writing)."""
    signed_in = require_viewer(viewer)
    async with session_factory() as session:
        preferences = await PreferencesRepository(session).current(signed_in.user_id)
        today = local_day(now or utcnow(), preferences.time_zone, preferences.day_start_hour)
        row = await StreakRepository(session).get(signed_in.user_id)
        state = StreakState() if row is None else _state(row)
        return StreakView(settle(state, today), today)
