"""Accounts."""

from __future__ import annotations

from db.models.users import User
from db.repositories.base import Repository


class UserRepository(Repository[User]):
    model = User
