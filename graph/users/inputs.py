from __future__ import annotations

from datetime import date, time

import strawberry

from graph.users.types import NotificationChannel, Weekday


@strawberry.input(description="A new account.")
class RegisterInput:
    email: str = strawberry.field(description="Unique email address (case does not matter).")
    password: str = strawberry.field(
        description="At least 10 characters, not a common password, not built from the email."
    )
    display_name: str = strawberry.field(description="Name shown to others, 1 to 100 characters.")


@strawberry.input(description="Credentials to sign in with.")
class LoginInput:
    email: str = strawberry.field(description="The account's email address.")
    password: str = strawberry.field(description="The account's password.")


@strawberry.input(description="Profile fields to change; omitted fields stay as they are.")
class UpdateProfileInput:
    display_name: str | None = strawberry.field(default=None, description="1 to 100 characters.")
    institution: str | None = strawberry.field(
        default=None, description="School or university; an empty string clears it."
    )
    field_of_study: str | None = strawberry.field(
        default=None, description="What the user studies; an empty string clears it."
    )
    target_exam_date: date | None = strawberry.field(default=None, description="Exam date.")
    clear_target_exam_date: bool = strawberry.field(
        default=False, description="Remove the exam date."
    )


@strawberry.input(description="A span of a weekday, in the user's local time.")
class StudyWindowInput:
    weekday: Weekday = strawberry.field(description="The day of the week it recurs on.")
    start: time = strawberry.field(description="Local time the window opens.")
    end: time = strawberry.field(description="Must be after start (same day).")


@strawberry.input(description="Local hours without notifications; may wrap past midnight.")
class QuietHoursInput:
    start: time = strawberry.field(description="Local time they begin.")
    end: time = strawberry.field(
        description="Local time they end; before start wraps past midnight."
    )


@strawberry.input(description="Preferences to change; omitted fields stay as they are.")
class PreferencesInput:
    time_zone: str | None = strawberry.field(default=None, description="IANA time zone name.")
    study_windows: list[StudyWindowInput] | None = strawberry.field(
        default=None, description="Replaces all windows; no two of one day may overlap."
    )
    session_minutes: int | None = strawberry.field(default=None, description="10 to 240.")
    break_minutes: int | None = strawberry.field(default=None, description="0 to 120.")
    day_start_hour: int | None = strawberry.field(default=None, description="0 to 23.")
    notification_channels: list[NotificationChannel] | None = strawberry.field(
        default=None, description="Replaces the channels."
    )
    quiet_hours: QuietHoursInput | None = strawberry.field(
        default=None, description="Hours without notifications; replaces the current ones."
    )
    clear_quiet_hours: bool = strawberry.field(default=False, description="Remove quiet hours.")
