"""Every model, imported so `Base.metadata` is complete for Alembic and the tests."""

from db.models.assessments import (
    Answer,
    Assessment,
    Attempt,
    Chapter,
    ChapterResult,
    Question,
)
from db.models.badges import Badge, EarnedBadge
from db.models.challenges import Challenge, ChallengeParticipant
from db.models.events import ChannelEvent, ChannelSequence
from db.models.focus import BlockedSite, Distraction, FocusSession
from db.models.friends import FriendRequest, Friendship
from db.models.goals import Goal, Milestone, Task, TaskDependency
from db.models.groups import GroupMember, StudyGroup
from db.models.jobs import DataExport, Job, JobStatus
from db.models.leagues import LeagueMembership, LeaguePlayer
from db.models.points import PointBalance, PointEntry, Streak
from db.models.rewards import Redemption, Reward
from db.models.schedules import SchedulePlan, ScheduleSlot, TaskRisk
from db.models.users import Preferences, RefreshToken, Role, User

__all__ = [
    "Answer",
    "Assessment",
    "Attempt",
    "Badge",
    "BlockedSite",
    "Challenge",
    "ChallengeParticipant",
    "ChannelEvent",
    "ChannelSequence",
    "Chapter",
    "ChapterResult",
    "DataExport",
    "Distraction",
    "EarnedBadge",
    "FocusSession",
    "FriendRequest",
    "Friendship",
    "Goal",
    "GroupMember",
    "Job",
    "JobStatus",
    "LeagueMembership",
    "LeaguePlayer",
    "Milestone",
    "PointBalance",
    "PointEntry",
    "Preferences",
    "Question",
    "Redemption",
    "RefreshToken",
    "Reward",
    "Role",
    "SchedulePlan",
    "ScheduleSlot",
    "Streak",
    "StudyGroup",
    "Task",
    "TaskDependency",
    "TaskRisk",
    "User",
]
