from __future__ import annotations

from datetime import date, datetime, time
from enum import Enum

import strawberry

from core.errors import PermissionDeniedError
from core.ids import to_global_id
from db.models import users as models
from graph.errors import UserError
from graph.goals.enums import GoalCategory, GoalOrder, GoalStatus
from graph.goals.types import Goal, goal_listing
from graph.permissions import Guarded
from graph.relay import Connection, Node, connection_of
from resolvers.access import is_self_or_admin
from resolvers.goals import load_goal_pages
from resolvers.users import load_preferences

strawberry.enum(models.Role, name="Role", description="What a user may do.")
RoleType = models.Role


@strawberry.enum(description="Day of the week.")
class Weekday(Enum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@strawberry.enum(description="Where notifications may reach the user.")
class NotificationChannel(Enum):
    EMAIL = "EMAIL"
    PUSH = "PUSH"
    IN_APP = "IN_APP"


def minute_to_time(minute: int) -> time:
    return time(hour=minute // 60 % 24, minute=minute % 60)


@strawberry.type(description="A person using StudyGraph.")
class User(Node, Guarded):
    source: strawberry.Private[models.User]
    display_name: str = strawberry.field(description="Name shown to others.")
    role: RoleType = strawberry.field(description="STUDENT, INSTRUCTOR or ADMIN.")
    institution: str | None = strawberry.field(description="School or university.")
    field_of_study: str | None = strawberry.field(description="What the user studies.")
    created_at: datetime = strawberry.field(description="When the account was created.")

    @strawberry.field(
        description="Email address: only the user and admins see it, null for others."
    )
    def email(self, info: strawberry.Info) -> str | None:
        return self.source.email if is_self_or_admin(info.context.viewer, self.source.id) else None

    @strawberry.field(description="Date of the exam studied for: only the user and admins see it.")
    def target_exam_date(self, info: strawberry.Info) -> date | None:
        if is_self_or_admin(info.context.viewer, self.source.id):
            return self.source.target_exam_date
        return None

    @strawberry.field(description="Planning preferences: only the user and admins may read them.")
    async def preferences(self, info: strawberry.Info) -> Preferences:
        # Through the operation's DataLoader; the visibility guard keeps others out.
        found = await info.context.loaders.get(load_preferences).load(self.source.id)
        return Preferences.from_model(found)

    @strawberry.field(
        description="The user's goals (not ARCHIVED unless asked): only the user and admins may "
        "read them. `first` 1 to 100."
    )
    async def goals(
        self,
        info: strawberry.Info,
        first: int,
        after: str | None = None,
        status: list[GoalStatus] | None = None,
        category: list[GoalCategory] | None = None,
        order_by: GoalOrder = GoalOrder.CREATED_AT,
    ) -> Connection[Goal]:
        if not is_self_or_admin(info.context.viewer, self.source.id):
            raise PermissionDeniedError("Not found")
        listing = goal_listing(info, first, after, status, category, order_by)
        page = await info.context.loaders.get(load_goal_pages).load((self.source.id, listing))
        return connection_of(page, Goal.from_model)

    @classmethod
    def from_model(cls, user: models.User) -> User:
        return cls(
            source=user,
            id=strawberry.ID(to_global_id("User", user.id)),
            display_name=user.display_name,
            role=user.role,
            institution=user.institution,
            field_of_study=user.field_of_study,
            created_at=user.created_at,
        )


@strawberry.type(description="A span of a weekday when the user is willing to study.")
class StudyWindow:
    weekday: Weekday = strawberry.field(description="Day of the week.")
    start: time = strawberry.field(description="Local start time.")
    end: time = strawberry.field(description="Local end time (after start).")


@strawberry.type(description="The local hours during which nothing notifies the user.")
class QuietHours:
    start: time = strawberry.field(description="Local start; may be later than end (overnight).")
    end: time = strawberry.field(description="Local end.")


@strawberry.type(description="How the user wants their study time planned and announced.")
class Preferences(Guarded):
    source: strawberry.Private[models.Preferences]
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Paris.")
    study_windows: list[StudyWindow] = strawberry.field(
        description="When the user is willing to study, per weekday, in local time."
    )
    session_minutes: int = strawberry.field(description="Length of one study session.")
    break_minutes: int = strawberry.field(description="Break between sessions.")
    day_start_hour: int = strawberry.field(
        description="Local hour at which the user's day begins (for streaks and daily plans)."
    )
    notification_channels: list[NotificationChannel] = strawberry.field(
        description="Where notifications may reach the user."
    )
    quiet_hours: QuietHours | None = strawberry.field(description="No notifications then.")

    @classmethod
    def from_model(cls, row: models.Preferences) -> Preferences:
        quiet = None
        if row.quiet_hours_start is not None and row.quiet_hours_end is not None:
            quiet = QuietHours(
                start=minute_to_time(row.quiet_hours_start),
                end=minute_to_time(row.quiet_hours_end),
            )
        return cls(
            source=row,
            time_zone=row.time_zone,
            study_windows=[
                StudyWindow(
                    weekday=Weekday(w["weekday"]),
                    start=minute_to_time(w["start"]),
                    end=minute_to_time(w["end"]),
                )
                for w in row.study_windows
            ],
            session_minutes=row.session_minutes,
            break_minutes=row.break_minutes,
            day_start_hour=row.day_start_hour,
            notification_channels=[NotificationChannel(c) for c in row.notification_channels],
            quiet_hours=quiet,
        )


@strawberry.type(description="The result of signing up, signing in or refreshing.")
class AuthPayload:
    user: User | None = strawberry.field(description="The signed-in user.")
    access_token: str | None = strawberry.field(
        description="Bearer token for the Authorization header; valid 15 minutes."
    )
    access_token_expires_at: datetime | None = strawberry.field(
        description="When the access token stops working."
    )
    refresh_token: str | None = strawberry.field(
        description="Single-use token for `refreshToken`; each use returns a new one."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing happened, if so.")


@strawberry.type(description="The result of ending sessions.")
class LogoutPayload:
    ok: bool = strawberry.field(description="True when the sessions ended.")
    errors: list[UserError] = strawberry.field(description="Why nothing happened, if so.")


@strawberry.type(description="The result of a change to a user.")
class UserPayload:
    user: User | None = strawberry.field(description="The user after the change.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


@strawberry.type(description="The result of a change to preferences.")
class PreferencesPayload:
    preferences: Preferences | None = strawberry.field(description="Preferences after the change.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.")


@strawberry.type(description="The result of deleting an account.")
class DeleteAccountPayload:
    deleted_user_id: strawberry.ID | None = strawberry.field(description="Id of the erased user.")
    errors: list[UserError] = strawberry.field(description="Why nothing was deleted, if so.")
