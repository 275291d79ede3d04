"""Error types shared by every layer.

`DomainError` and its subclasses are expected outcomes: their `code` reaches the client.
Anything else raised is a bug or an outage and is masked before it leaves the server.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """An expected failure whose code and message are safe to show to the client."""

    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code  # type: ignore[misc]


class UserInputError(DomainError):
    """Input the business rules refuse; mutations turn it into a `UserError`."""

    code = "INVALID_INPUT"


class NotFoundError(DomainError):
    code = "NOT_FOUND"


class AuthenticationError(DomainError):
    code = "UNAUTHENTICATED"


class PermissionDeniedError(DomainError):
    code = "FORBIDDEN"
