"""Access tokens (JWT, pinned algorithm, every claim required) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from core.errors import AuthenticationError
from core.settings import Settings

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105  (RFC 9068; any other type is never an access token)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud", "jti"]
LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    token_version: int
    role: str
    jti: str
    expires_at: datetime


class AccessTokens:
    def __init__(self, settings: Settings):
        self.algorithm = settings.jwt_algorithm
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.lifetime = timedelta(minutes=settings.access_token_minutes)
        if self.algorithm.startswith("HS"):
            secret = settings.jwt_secret.get_secret_value()
            self._signing_key: Any = secret
            self._verifying_key: Any = secret
        else:
            assert settings.jwt_private_key is not None and settings.jwt_public_key is not None
            self._signing_key = settings.jwt_private_key.get_secret_value()
            self._verifying_key = settings.jwt_public_key

    def issue(
        self, user_id: uuid.UUID, *, role: str, token_version: int, now: datetime | None = None
    ) -> tuple[str, AccessClaims]:
        issued = now or datetime.now(UTC)
        expires = issued + self.lifetime
        jti = uuid.uuid4().hex
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "iat": int(issued.timestamp()),
            "nbf": int(issued.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": jti,
            "typ": "access",
            "role": role,
            "tv": token_version,
        }
        token = jwt.encode(
            claims, self._signing_key, algorithm=self.algorithm, headers={"typ": ACCESS_TOKEN_TYPE}
        )
        return token, AccessClaims(
            user_id=user_id,
            token_version=token_version,
            role=role,
            jti=jti,
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),  # type: ignore[arg-type]
        )

    def verify(self, token: str) -> AccessClaims:
        """Every failure is the same UNAUTHENTICATED error: the reason stays in the logs."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("typ") != ACCESS_TOKEN_TYPE:
                raise jwt.InvalidTokenError("not an access token")
            claims = jwt.decode(
                token,
                self._verifying_key,
                algorithms=[self.algorithm],  # pinned: `none` and HS/RS confusion fail here
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS, "verify_iat": True},
            )
            if claims.get("typ") != "access":
                raise jwt.InvalidTokenError("not an access token")
            issued_at = int(claims["iat"])
            if issued_at > datetime.now(UTC).timestamp() + LEEWAY_SECONDS:
                raise jwt.ImmatureSignatureError("issued in the future")
            return AccessClaims(
                user_id=uuid.UUID(claims["sub"]),
                token_version=int(claims["tv"]),
                role=str(claims["role"]),
                jti=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise AuthenticationError("Invalid or expired access token") from exc


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """Only this hash is stored: a leaked table holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()
