"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import UserInputError
from core.settings import Settings

MIN_LENGTH = 10
MAX_LENGTH = 128
# The most common passwords of at least MIN_LENGTH characters in public breach lists.
COMMON = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "1q2w3e4r5t",
        "qwertyuiop",
        "password1",
        "password12",
        "password123",
        "password1234",
        "iloveyou12",
        "qwerty1234",
        "abcdefghij",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "letmein123",
        "welcome123",
        "changeme123",
        "football12",
        "passw0rd123",
        "administrator",
        "qwertyuiop123",
        "0987654321",
        "1111111111",
    }
)


class Passwords:
    def __init__(self, settings: Settings):
        self._hasher = PasswordHasher(
            time_cost=settings.password_time_cost,
            memory_cost=settings.password_memory_kib,
            parallelism=settings.password_parallelism,
            type=Type.ID,
        )
        # Verified against when the account does not exist, so both answers take as long.
        self._decoy = self._hasher.hash("decoy password that matches nothing")

    async def hash(self, password: str) -> str:
        # argon2 is deliberately slow: keep it off the event loop.
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash or self._decoy, password)
            except (VerificationError, InvalidHashError):
                return False

        matches = await asyncio.to_thread(check)
        return matches and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def check_strength(password: str, *, email: str, field: str = "password") -> None:
    """Raises WEAK_PASSWORD with the reason; NIST 800-63B style: length and blocklist."""
    reason = None
    if len(password) < MIN_LENGTH:
        reason = f"Use at least {MIN_LENGTH} characters"
    elif len(password) > MAX_LENGTH:
        reason = f"Use at most {MAX_LENGTH} characters"
    elif len(set(password)) < 4:
        reason = "Use more different characters"
    elif password.lower() in COMMON:
        reason = "This password is too common"
    elif email.split("@", 1)[0].lower() in password.lower() and len(email.split("@")[0]) >= 4:
        reason = "Do not build the password from your email address"
    if reason:
        raise UserInputError(reason, code="WEAK_PASSWORD", field=field)
