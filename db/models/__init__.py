"""Every model, imported so `Base.metadata` is complete for Alembic and the tests."""

from db.models.jobs import DataExport, Job, JobStatus
from db.models.users import Preferences, RefreshToken, Role, User

__all__ = ["DataExport", "Job", "JobStatus", "Preferences", "RefreshToken", "Role", "User"]
