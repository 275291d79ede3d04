"""Accounts and sessions: registration, login, token rotation, logout, authentication."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import AuthenticationError, UserInputError
from core.passwords import Passwords, check_strength
from core.rate_limit import RateLimiter
from core.settings import Settings
from core.tokens import AccessTokens, hash_refresh_token, new_refresh_token
from core.unit_of_work import UnitOfWork
from db.models.users import RefreshToken, Role, User
from db.repositories.users import PreferencesRepository, RefreshTokenRepository, UserRepository
from resolvers.access import Viewer, require_viewer

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REVOKED_TOKEN_KEY = "auth:revoked-token:{}"  # noqa: S105  (a Redis key, not a secret)
REVOCATION_CHANNEL = "auth:revocations"

INVALID_CREDENTIALS = "Invalid email or password"

# Called after commit with the user whose every token just died, so live connections
# can be closed (the api fills it; nothing here knows about WebSockets).
RevocationListener = Callable[[uuid.UUID], Awaitable[None]]


@dataclass(frozen=True)
class SignedIn:
    user: User
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    # The rest of the operation that signed in acts as this user.
    viewer: Viewer


def normalize_email(raw: str) -> str:
    email = unicodedata.normalize("NFKC", raw).strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise UserInputError("Enter a valid email address", code="INVALID_EMAIL", field="email")
    return email


def clean_display_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= 100:
        raise UserInputError(
            "A display name has 1 to 100 characters",
            code="INVALID_DISPLAY_NAME",
            field="displayName",
        )
    return name


class AuthService:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        redis: aioredis.Redis,
    ):
        self.settings = settings
        self.session_factory = session_factory
        self.redis = redis
        self.passwords = Passwords(settings)
        self.tokens = AccessTokens(settings)
        self.limiter = RateLimiter(redis, prefix="rl:login")

    # --- sessions ---------------------------------------------------------------------

    async def register(self, email: str, password: str, display_name: str) -> SignedIn:
        email = normalize_email(email)
        name = clean_display_name(display_name)
        check_strength(password, email=email)
        password_hash = await self.passwords.hash(password)
        try:
            async with UnitOfWork(self.session_factory) as uow:
                users = UserRepository(uow.session)
                if await users.email_taken(email):
                    raise _email_taken()
                user = users.add(User(email=email, password_hash=password_hash, display_name=name))
                await uow.session.flush()
                await PreferencesRepository(uow.session).for_user(user.id)
                signed_in = await self._start_family(uow, user)
                await uow.commit()
        except IntegrityError as exc:  # a concurrent registration won the race
            raise _email_taken() from exc
        return signed_in

    async def login(self, email: str, password: str, *, client_ip: str) -> SignedIn:
        try:
            email = normalize_email(email)
        except UserInputError:
            raise UserInputError(INVALID_CREDENTIALS, code="INVALID_CREDENTIALS") from None
        account_key = f"fail:{email}"
        ip_attempts = await self.limiter.hit(f"ip:{client_ip}", 60)
        if (
            ip_attempts > self.settings.login_attempts_per_ip_per_minute
            or await self.limiter.count(account_key) >= self.settings.login_failures_per_account
        ):
            raise UserInputError("Too many attempts; try again later", code="RATE_LIMITED")
        async with UnitOfWork(self.session_factory) as uow:
            user = await UserRepository(uow.session).by_email(email)
            valid = await self.passwords.verify(user.password_hash if user else None, password)
            if not valid or user is None:
                await self.limiter.hit(account_key, self.settings.login_failure_window_seconds)
                raise UserInputError(INVALID_CREDENTIALS, code="INVALID_CREDENTIALS")
            if self.passwords.needs_rehash(user.password_hash):
                user.password_hash = await self.passwords.hash(password)
            signed_in = await self._start_family(uow, user)
            await uow.commit()
        await self.limiter.reset(account_key)
        return signed_in

    async def refresh(self, refresh_token: str) -> SignedIn:
        """Rotates a refresh token; presenting a used one revokes its whole family."""
        token_hash = hash_refresh_token(refresh_token)
        now = datetime.now(UTC)
        async with UnitOfWork(self.session_factory) as uow:
            tokens = RefreshTokenRepository(uow.session)
            consumed = await tokens.consume(token_hash, now)
            if consumed is None:
                known = await tokens.by_hash(token_hash)
                if known is not None and known.used_at is not None:
                    await tokens.revoke_family(known.family_id, now)
                    await uow.commit()
                    raise UserInputError(
                        "This refresh token was already used; sign in again",
                        code="REFRESH_TOKEN_REUSED",
                    )
                raise UserInputError(
                    "Invalid or expired refresh token; sign in again",
                    code="INVALID_REFRESH_TOKEN",
                )
            user = await UserRepository(uow.session).get(consumed.user_id)
            assert user is not None  # tokens cascade with their user
            signed_in = await self._issue(
                uow, user, consumed.family_id, consumed.family_expires_at, now
            )
            await uow.commit()
        return signed_in

    async def logout(self, viewer: Viewer | None, refresh_token: str | None) -> None:
        """Ends one session: its refresh-token family and the access token in use."""
        now = datetime.now(UTC)
        if refresh_token:
            async with UnitOfWork(self.session_factory) as uow:
                tokens = RefreshTokenRepository(uow.session)
                known = await tokens.by_hash(hash_refresh_token(refresh_token))
                if known is not None and (viewer is None or known.user_id == viewer.user_id):
                    await tokens.revoke_family(known.family_id, now)
                await uow.commit()
        if viewer is not None:
            await self._deny_access_token(viewer, now)

    async def revoke_everything(self, user_id: uuid.UUID, uow: UnitOfWork) -> None:
        """Within a unit of work: every token of the user stops working once it commits."""
        await UserRepository(uow.session).bump_token_version(user_id)
        await RefreshTokenRepository(uow.session).revoke_all(user_id, datetime.now(UTC))

        async def announce() -> None:
            await self.redis.publish(REVOCATION_CHANNEL, str(user_id))

        uow.after_commit(announce)

    async def logout_everywhere(self, viewer: Viewer | None) -> None:
        signed_in = require_viewer(viewer)
        async with UnitOfWork(self.session_factory) as uow:
            await self.revoke_everything(signed_in.user_id, uow)
            await uow.commit()

    # --- authentication ---------------------------------------------------------------

    async def authenticate(self, access_token: str) -> Viewer:
        claims = self.tokens.verify(access_token)
        if await self.redis.exists(REVOKED_TOKEN_KEY.format(claims.jti)):
            raise AuthenticationError("Invalid or expired access token")
        async with self.session_factory() as session:
            user = await UserRepository(session).get(claims.user_id)
        if user is None or user.token_version != claims.token_version:
            raise AuthenticationError("Invalid or expired access token")
        return Viewer(
            user_id=user.id,
            role=Role(user.role),
            token_id=claims.jti,
            token_expires_at=claims.expires_at,
        )

    async def verify_password(self, user_id: uuid.UUID, password: str) -> bool:
        async with self.session_factory() as session:
            user = await UserRepository(session).get(user_id)
        return await self.passwords.verify(user.password_hash if user else None, password)

    async def deny_token(self, viewer: Viewer) -> None:
        await self._deny_access_token(viewer, datetime.now(UTC))

    # --- internals --------------------------------------------------------------------

    async def _start_family(self, uow: UnitOfWork, user: User) -> SignedIn:
        now = datetime.now(UTC)
        family_expires = now + timedelta(days=self.settings.refresh_token_absolute_days)
        return await self._issue(uow, user, uuid.uuid4(), family_expires, now)

    async def _issue(
        self,
        uow: UnitOfWork,
        user: User,
        family_id: uuid.UUID,
        family_expires_at: datetime,
        now: datetime,
    ) -> SignedIn:
        refresh_token = new_refresh_token()
        idle = now + timedelta(days=self.settings.refresh_token_idle_days)
        RefreshTokenRepository(uow.session).add(
            RefreshToken(
                user_id=user.id,
                family_id=family_id,
                token_hash=hash_refresh_token(refresh_token),
                idle_expires_at=min(idle, family_expires_at),
                family_expires_at=family_expires_at,
            )
        )
        access_token, claims = self.tokens.issue(
            user.id, role=Role(user.role).value, token_version=user.token_version, now=now
        )
        viewer = Viewer(user.id, Role(user.role), claims.jti, claims.expires_at)
        return SignedIn(user, access_token, claims.expires_at, refresh_token, viewer)

    async def _deny_access_token(self, viewer: Viewer, now: datetime) -> None:
        ttl = int((viewer.token_expires_at - now).total_seconds()) + 60
        if ttl > 0:
            await self.redis.set(REVOKED_TOKEN_KEY.format(viewer.token_id), "1", ex=ttl)


def _email_taken() -> UserInputError:
    return UserInputError("An account with this email exists", code="EMAIL_TAKEN", field="email")
