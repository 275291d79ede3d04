"""Profiles, planning preferences, account deletion and user administration."""

from __future__ import annotations

import itertools
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain_events import DomainEvent, publish
from core.errors import NotFoundError, UserInputError
from core.unit_of_work import UnitOfWork
from db.models.users import Preferences, Role, User
from db.repositories.base import Page
from db.repositories.users import PreferencesRepository, UserRepository, default_preferences
from resolvers.access import (
    Viewer,
    load_visible,
    require_role,
    require_viewer,
)
from resolvers.auth import AuthService, clean_display_name

NOTIFICATION_CHANNELS = frozenset({"EMAIL", "PUSH", "IN_APP"})
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class ProfileChanges:
    """Fields left as None are not changed; `clear` names the optional ones to empty."""

    display_name: str | None = None
    institution: str | None = None
    field_of_study: str | None = None
    target_exam_date: date | None = None
    clear: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StudyWindow:
    weekday: int  # Monday 0 … Sunday 6
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class PreferenceChanges:
    time_zone: str | None = None
    study_windows: Sequence[StudyWindow] | None = None
    session_minutes: int | None = None
    break_minutes: int | None = None
    day_start_hour: int | None = None
    notification_channels: Sequence[str] | None = None
    quiet_hours: tuple[int, int] | None = None
    clear_quiet_hours: bool = False


async def get_user(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, user_id: uuid.UUID
) -> User | None:
    return await load_visible(session_factory, viewer, UserRepository, user_id)


async def load_users(
    session_factory: async_sessionmaker[AsyncSession], ids: Sequence[uuid.UUID]
) -> list[User | None]:
    """DataLoader batch: users by id, in the order asked."""
    async with session_factory() as session:
        found = await UserRepository(session).get_many(ids)
    return [found.get(i) for i in ids]


async def load_preferences(
    session_factory: async_sessionmaker[AsyncSession], user_ids: Sequence[uuid.UUID]
) -> list[Preferences]:
    """DataLoader batch: each user's preferences (the defaults where none were saved)."""
    async with session_factory() as session:
        found = await PreferencesRepository(session).many(user_ids)
    return [found.get(user_id) or default_preferences(user_id) for user_id in user_ids]


async def update_profile(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    changes: ProfileChanges,
) -> User:
    signed_in = require_viewer(viewer)
    name = clean_display_name(changes.display_name) if changes.display_name is not None else None
    institution = _optional_text(changes.institution, "institution")
    field_of_study = _optional_text(changes.field_of_study, "fieldOfStudy")
    if changes.target_exam_date is not None and changes.target_exam_date < date(2000, 1, 1):
        raise UserInputError(
            "The exam date is too far in the past", code="INVALID_DATE", field="targetExamDate"
        )
    async with UnitOfWork(session_factory) as uow:
        user = await UserRepository(uow.session).get(signed_in.user_id)
        if user is None:
            raise NotFoundError("Account not found")
        if name is not None:
            user.display_name = name
        if institution is not None or "institution" in changes.clear:
            user.institution = institution
        if field_of_study is not None or "fieldOfStudy" in changes.clear:
            user.field_of_study = field_of_study
        if changes.target_exam_date is not None or "targetExamDate" in changes.clear:
            user.target_exam_date = changes.target_exam_date
        await uow.commit()
    return user


async def update_preferences(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    changes: PreferenceChanges,
) -> Preferences:
    """Validates everything first; any invalid value changes nothing."""
    signed_in = require_viewer(viewer)
    validate_preferences(changes)
    async with UnitOfWork(session_factory) as uow:
        preferences = await PreferencesRepository(uow.session).for_user(signed_in.user_id)
        planned_from = _planning_inputs(preferences)
        if changes.time_zone is not None:
            preferences.time_zone = changes.time_zone
        if changes.study_windows is not None:
            preferences.study_windows = [
                {"weekday": w.weekday, "start": w.start_minute, "end": w.end_minute}
                for w in sorted(changes.study_windows, key=lambda w: (w.weekday, w.start_minute))
            ]
        if changes.session_minutes is not None:
            preferences.session_minutes = changes.session_minutes
        if changes.break_minutes is not None:
            preferences.break_minutes = changes.break_minutes
        if changes.day_start_hour is not None:
            preferences.day_start_hour = changes.day_start_hour
        if changes.notification_channels is not None:
            preferences.notification_channels = sorted(set(changes.notification_channels))
        if changes.quiet_hours is not None:
            preferences.quiet_hours_start, preferences.quiet_hours_end = changes.quiet_hours
        elif changes.clear_quiet_hours:
            preferences.quiet_hours_start = preferences.quiet_hours_end = None
        if _planning_inputs(preferences) != planned_from:
            await publish(uow, PlanningPreferencesChanged(signed_in.user_id))
        await uow.commit()
    return preferences


def _planning_inputs(preferences: Preferences) -> tuple[object, ...]:
    """What a study plan is made of, of the preferences."""
    return (
        preferences.time_zone,
        list(preferences.study_windows),
        preferences.session_minutes,
        preferences.break_minutes,
        preferences.day_start_hour,
    )


def validate_preferences(changes: PreferenceChanges) -> None:
    if changes.time_zone is not None and not _is_time_zone(changes.time_zone):
        raise UserInputError(
            f"Unknown time zone {changes.time_zone!r}; use an IANA name such as Europe/Paris",
            code="INVALID_TIME_ZONE",
            field="timeZone",
        )
    if changes.study_windows is not None:
        _validate_windows(changes.study_windows)
    _check_range(changes.session_minutes, 10, 240, "sessionMinutes", "INVALID_SESSION_LENGTH")
    _check_range(changes.break_minutes, 0, 120, "breakMinutes", "INVALID_BREAK_LENGTH")
    _check_range(changes.day_start_hour, 0, 23, "dayStartHour", "INVALID_DAY_START")
    if changes.notification_channels is not None:
        unknown = set(changes.notification_channels) - NOTIFICATION_CHANNELS
        if unknown:
            raise UserInputError(
                f"Unknown notification channels: {', '.join(sorted(unknown))}",
                code="INVALID_NOTIFICATION_CHANNEL",
                field="notificationChannels",
            )
    if changes.quiet_hours is not None:
        start, end = changes.quiet_hours
        if not (0 <= start < MINUTES_PER_DAY and 0 <= end < MINUTES_PER_DAY) or start == end:
            raise UserInputError(
                "Quiet hours need a distinct start and end within the day (they may wrap "
                "past midnight)",
                code="INVALID_QUIET_HOURS",
                field="quietHours",
            )


@dataclass(frozen=True)
class PlanningPreferencesChanged(DomainEvent):
    """The study windows, time zone, day start or session lengths changed."""

    user_id: uuid.UUID


@dataclass(frozen=True)
class AccountDeleted(DomainEvent):
    """Other domains drop what they keep outside the database (leaderboards in Redis)."""

    user_id: uuid.UUID


async def delete_account(
    session_factory: async_sessionmaker[AsyncSession],
    auth: AuthService,
    viewer: Viewer | None,
    password: str,
) -> uuid.UUID:
    """Erases the user and, by cascade, everything they own; needs the password again."""
    signed_in = require_viewer(viewer)
    if not await auth.verify_password(signed_in.user_id, password):
        raise UserInputError(
            "The password is not correct", code="INVALID_CREDENTIALS", field="password"
        )
    async with UnitOfWork(session_factory) as uow:
        await UserRepository(uow.session).delete_by_id(signed_in.user_id)
        await publish(uow, AccountDeleted(signed_in.user_id))
        await uow.commit()
    await auth.deny_token(signed_in)
    return signed_in.user_id


async def list_users(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    *,
    role: Role | None,
    first: int,
    after: str | None,
) -> Page[User]:
    require_role(viewer, Role.ADMIN)
    async with session_factory() as session:
        return await UserRepository(session).list(role=role, first=first, after=after)


async def set_user_role(
    session_factory: async_sessionmaker[AsyncSession],
    auth: AuthService,
    viewer: Viewer | None,
    user_id: uuid.UUID,
    role: Role,
) -> User:
    """Changes a role and ends every session of that user, so the new role applies at once."""
    admin = require_role(viewer, Role.ADMIN)
    if user_id == admin.user_id:
        raise UserInputError(
            "Admins cannot change their own role", code="CANNOT_CHANGE_OWN_ROLE", field="userId"
        )
    async with UnitOfWork(session_factory) as uow:
        users = UserRepository(uow.session)
        user = await users.get(user_id)
        if user is None:
            raise UserInputError("No such user", code="NOT_FOUND", field="userId")
        if user.role != role:
            user.role = role
            await auth.revoke_everything(user.id, uow)
        await uow.commit()
    async with session_factory() as session:
        refreshed = await UserRepository(session).get(user_id)
    assert refreshed is not None
    return refreshed


def _is_time_zone(name: str) -> bool:
    if name not in zoneinfo.available_timezones():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _validate_windows(windows: Sequence[StudyWindow]) -> None:
    by_day: dict[int, list[StudyWindow]] = {}
    for index, window in enumerate(windows):
        where = f"studyWindows[{index}]"
        if not 0 <= window.weekday <= 6:
            raise UserInputError("Unknown weekday", code="INVALID_STUDY_WINDOW", field=where)
        if not (
            0 <= window.start_minute < MINUTES_PER_DAY and 0 < window.end_minute <= MINUTES_PER_DAY
        ):
            raise UserInputError(
                "A study window lies within one day", code="INVALID_STUDY_WINDOW", field=where
            )
        if window.end_minute <= window.start_minute:
            raise UserInputError(
                "A study window must end after it starts",
                code="INVALID_STUDY_WINDOW",
                field=where,
            )
        by_day.setdefault(window.weekday, []).append(window)
    for day in by_day.values():
        day.sort(key=lambda w: w.start_minute)
        for earlier, later in itertools.pairwise(day):
            if later.start_minute < earlier.end_minute:
                raise UserInputError(
                    "Study windows of one day must not overlap",
                    code="INVALID_STUDY_WINDOW",
                    field="studyWindows",
                )


def _check_range(value: int | None, low: int, high: int, field_name: str, code: str) -> None:
    if value is not None and not low <= value <= high:
        raise UserInputError(f"Use a value from {low} to {high}", code=code, field=field_name)


def _optional_text(value: str | None, field_name: str) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    if len(cleaned) > 200:
        raise UserInputError("Use at most 200 characters", code="TEXT_TOO_LONG", field=field_name)
    return cleaned or None
