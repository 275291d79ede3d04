"""Plain functions that build rows for tests."""

from __future__ import annotations

from itertools import count

from db.models.users import Role, User

_sequence = count(1)


def user(**overrides: object) -> User:
    n = next(_sequence)
    values: dict[str, object] = {
        "email": f"student{n}@example.org",
        "password_hash": "not-a-real-hash",
        "display_name": f"Student {n}",
        "role": Role.STUDENT,
    }
    values.update(overrides)
    return User(**values)
