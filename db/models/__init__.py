"""Every model, imported so `Base.metadata` is complete for Alembic and the tests."""

from db.models.focus import BlockedSite, Distraction, FocusSession
from db.models.goals import Goal, Milestone, Task, TaskDependency
from db.models.jobs import DataExport, Job, JobStatus
from db.models.users import Preferences, RefreshToken, Role, User

__all__ = [
    "BlockedSite",
    "DataExport",
    "Distraction",
    "FocusSession",
    "Goal",
    "Job",
    "JobStatus",
    "Milestone",
    "Preferences",
    "RefreshToken",
    "Role",
    "Task",
    "TaskDependency",
    "User",
]
