"""Every model, imported so `Base.metadata` is complete for Alembic and the tests."""

from db.models.users import Preferences, RefreshToken, Role, User

__all__ = ["Preferences", "RefreshToken", "Role", "User"]
