"""Every model, imported so `Base.metadata` is complete for Alembic and the tests."""

from db.models.users import Role, User

__all__ = ["Role", "User"]
