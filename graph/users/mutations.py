from __future__ import annotations

import strawberry

from core.ids import to_global_id
from db.models.users import User as UserModel
from graph.context import Context
from graph.errors import UserError, user_errors
from graph.jobs.types import Job, JobPayload
from graph.permissions import IsAdmin, IsAuthenticated
from graph.users.inputs import LoginInput, PreferencesInput, RegisterInput, UpdateProfileInput
from graph.users.queries import user_id_from
from graph.users.types import (
    AuthPayload,
    DeleteAccountPayload,
    LogoutPayload,
    Preferences,
    PreferencesPayload,
    RoleType,
    User,
    UserPayload,
)
from resolvers import exports, users
from resolvers.auth import SignedIn


def _auth_payload(
    info: strawberry.Info[Context, None], signed_in: SignedIn | None, errors: list[UserError]
) -> AuthPayload:
    if signed_in is None:
        return AuthPayload(
            user=None,
            access_token=None,
            access_token_expires_at=None,
            refresh_token=None,
            errors=errors,
        )
    info.context.viewer = signed_in.viewer
    return AuthPayload(
        user=User.from_model(signed_in.user),
        access_token=signed_in.access_token,
        access_token_expires_at=signed_in.access_token_expires_at,
        refresh_token=signed_in.refresh_token,
        errors=[],
    )


def _minutes(value: object) -> int:
    return value.hour * 60 + value.minute  # type: ignore[attr-defined]


@strawberry.type
class UserMutation:
    @strawberry.mutation(
        description="Creates an account and signs it in. Bad input (invalid email, weak "
        "password, taken email) returns `errors` and creates nothing."
    )
    async def register(
        self, info: strawberry.Info[Context, None], input: RegisterInput
    ) -> AuthPayload:
        signed_in, errors = await user_errors(
            info.context.auth.register(input.email, input.password, input.display_name)
        )
        return _auth_payload(info, signed_in, errors)

    @strawberry.mutation(
        description="Signs in. Wrong credentials get INVALID_CREDENTIALS whether or not the "
        "email exists; repeated failures get RATE_LIMITED. Nothing changes on failure."
    )
    async def login(self, info: strawberry.Info[Context, None], input: LoginInput) -> AuthPayload:
        signed_in, errors = await user_errors(
            info.context.auth.login(input.email, input.password, client_ip=info.context.client_ip)
        )
        return _auth_payload(info, signed_in, errors)

    @strawberry.mutation(
        description="Trades a refresh token for new tokens; the old one stops working. "
        "Presenting a used token ends every session descended from its sign-in."
    )
    async def refresh_token(
        self, info: strawberry.Info[Context, None], refresh_token: str
    ) -> AuthPayload:
        signed_in, errors = await user_errors(info.context.auth.refresh(refresh_token))
        return _auth_payload(info, signed_in, errors)

    @strawberry.mutation(
        description="Ends this session: the refresh token's family and the access token in "
        "use. An unknown refresh token changes nothing."
    )
    async def logout(
        self, info: strawberry.Info[Context, None], refresh_token: str | None = None
    ) -> LogoutPayload:
        await info.context.auth.logout(info.context.viewer, refresh_token)
        return LogoutPayload(ok=True, errors=[])

    @strawberry.mutation(
        description="Ends every session of the signed-in user on every device at once, live "
        "subscriptions included.",
        permission_classes=[IsAuthenticated],
    )
    async def logout_everywhere(self, info: strawberry.Info[Context, None]) -> LogoutPayload:
        await info.context.auth.logout_everywhere(info.context.viewer)
        return LogoutPayload(ok=True, errors=[])

    @strawberry.mutation(
        description="Changes the signed-in user's profile. Invalid values return `errors` and "
        "change nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def update_profile(
        self, info: strawberry.Info[Context, None], input: UpdateProfileInput
    ) -> UserPayload:
        clear = {
            name
            for name, value in (
                ("institution", input.institution),
                ("fieldOfStudy", input.field_of_study),
            )
            if value is not None and not value.strip()
        }
        if input.clear_target_exam_date:
            clear.add("targetExamDate")
        changes = users.ProfileChanges(
            display_name=input.display_name,
            institution=input.institution,
            field_of_study=input.field_of_study,
            target_exam_date=input.target_exam_date,
            clear=frozenset(clear),
        )
        user, errors = await user_errors(
            users.update_profile(info.context.session_factory, info.context.viewer, changes)
        )
        return UserPayload(user=User.from_model(user) if user else None, errors=errors)

    @strawberry.mutation(
        description="Changes the signed-in user's planning preferences. An unknown time zone, a "
        "window that ends before it starts or overlaps another, or a value out of range "
        "returns `errors` and changes nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def update_preferences(
        self, info: strawberry.Info[Context, None], input: PreferencesInput
    ) -> PreferencesPayload:
        changes = users.PreferenceChanges(
            time_zone=input.time_zone,
            study_windows=None
            if input.study_windows is None
            else [
                users.StudyWindow(w.weekday.value, _minutes(w.start), _minutes(w.end))
                for w in input.study_windows
            ],
            session_minutes=input.session_minutes,
            break_minutes=input.break_minutes,
            day_start_hour=input.day_start_hour,
            notification_channels=None
            if input.notification_channels is None
            else [c.value for c in input.notification_channels],
            quiet_hours=None
            if input.quiet_hours is None
            else (_minutes(input.quiet_hours.start), _minutes(input.quiet_hours.end)),
            clear_quiet_hours=input.clear_quiet_hours,
        )
        preferences, errors = await user_errors(
            users.update_preferences(info.context.session_factory, info.context.viewer, changes)
        )
        return PreferencesPayload(
            preferences=Preferences.from_model(preferences) if preferences else None,
            errors=errors,
        )

    @strawberry.mutation(
        description="Erases the signed-in user and everything they own. Needs the password; a "
        "wrong one returns INVALID_CREDENTIALS and deletes nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def delete_account(
        self, info: strawberry.Info[Context, None], password: str
    ) -> DeleteAccountPayload:
        deleted, errors = await user_errors(
            users.delete_account(
                info.context.session_factory, info.context.auth, info.context.viewer, password
            )
        )
        return DeleteAccountPayload(
            deleted_user_id=strawberry.ID(to_global_id("User", deleted)) if deleted else None,
            errors=errors,
        )

    @strawberry.mutation(
        description="Starts a job that gathers everything the signed-in user owns. When it "
        "SUCCEEDED, `result.downloadPath` serves the file once (with the same bearer token).",
        permission_classes=[IsAuthenticated],
    )
    async def export_my_data(self, info: strawberry.Info[Context, None]) -> JobPayload:
        job = await exports.request_export(info.context.session_factory, info.context.viewer)
        return JobPayload(job=Job.from_model(job), errors=[])

    @strawberry.mutation(
        description="Admins: changes a user's role and ends all their sessions. An unknown "
        "user or one's own account returns `errors` and changes nothing.",
        permission_classes=[IsAdmin],
    )
    async def set_user_role(
        self, info: strawberry.Info[Context, None], user_id: strawberry.ID, role: RoleType
    ) -> UserPayload:
        async def change() -> UserModel:
            return await users.set_user_role(
                info.context.session_factory,
                info.context.auth,
                info.context.viewer,
                user_id_from(user_id),
                role,
            )

        user, errors = await user_errors(change())
        return UserPayload(user=User.from_model(user) if user else None, errors=errors)
