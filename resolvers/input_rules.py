"""Checks shared by the domains' inputs: titles, free text, minutes and dates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from core.errors import UserInputError
from core.ids import from_global_id

TITLE_MAX = 200
TEXT_MAX = 5000
# A date this far back is a typo, not a plan; the recent past stays usable for catching up.
PAST_TOLERANCE = timedelta(days=1)


def clean_title(value: str, field: str = "title", *, most: int = TITLE_MAX) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise UserInputError("A title cannot be empty", code="EMPTY_TITLE", field=field)
    if len(cleaned) > most:
        raise UserInputError(f"Use at most {most} characters", code="TITLE_TOO_LONG", field=field)
    return cleaned


def clean_text(value: str | None, field: str, *, most: int = TEXT_MAX) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    if len(cleaned) > most:
        raise UserInputError(f"Use at most {most} characters", code="TEXT_TOO_LONG", field=field)
    return cleaned or None


def check_minutes(value: int | None, field: str, *, low: int, high: int) -> int | None:
    if value is not None and not low <= value <= high:
        raise UserInputError(
            f"Minutes must be between {low} and {high}", code="INVALID_MINUTES", field=field
        )
    return value


def check_due_at(value: datetime | None, now: datetime, field: str = "dueAt") -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value < now - PAST_TOLERANCE:
        raise UserInputError("The due date lies in the past", code="DUE_DATE_IN_PAST", field=field)
    return value


def check_target_date(value: date | None, now: datetime, field: str = "targetDate") -> date | None:
    if value is not None and value < (now - PAST_TOLERANCE).date():
        raise UserInputError(
            "The target date lies in the past", code="TARGET_DATE_IN_PAST", field=field
        )
    return value


def local_id(global_id: str, type_name: str, field: str) -> uuid.UUID:
    """The UUID inside a global id of the expected type; anything else is NOT_FOUND."""
    try:
        kind, local = from_global_id(global_id)
    except UserInputError as error:
        raise UserInputError(
            f"No such {type_name.lower()}", code="NOT_FOUND", field=field
        ) from error
    if kind != type_name:
        raise UserInputError(f"No such {type_name.lower()}", code="NOT_FOUND", field=field)
    return local


def not_found(type_name: str, field: str) -> UserInputError:
    # One answer for "does not exist" and "belongs to someone else": ids reveal nothing.
    return UserInputError(f"No such {type_name.lower()}", code="NOT_FOUND", field=field)
