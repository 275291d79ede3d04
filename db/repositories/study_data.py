"""A user's study data, plan and social life, as plain data for their export."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.models.assessments import Answer, Assessment, Attempt, ChapterResult
from db.models.challenges import ChallengeParticipant
from db.models.focus import BlockedSite, Distraction, FocusSession
from db.models.friends import FriendRequest, Friendship
from db.models.goals import Goal, Milestone, Task, TaskDependency
from db.models.groups import GroupMember
from db.models.schedules import SchedulePlan, ScheduleSlot, TaskRisk

# Each export section and the owner column of its table.
SECTIONS: dict[str, Any] = {
    "goals": Goal.user_id,
    "milestones": Milestone.user_id,
    "tasks": Task.user_id,
    "focusSessions": FocusSession.user_id,
    "distractions": Distraction.user_id,
    "blockedSites": BlockedSite.user_id,
    "schedulePlans": SchedulePlan.user_id,
    "scheduleSlots": ScheduleSlot.user_id,
    "tasksAtRisk": TaskRisk.user_id,
    "friends": Friendship.user_id,
    "friendRequestsSent": FriendRequest.sender_id,
    "friendRequestsReceived": FriendRequest.recipient_id,
    "groupMemberships": GroupMember.user_id,
    "challengeParticipations": ChallengeParticipant.user_id,
    "assessmentsWritten": Assessment.author_id,
    "assessmentAttempts": Attempt.user_id,
    "chapterResults": ChapterResult.user_id,
}


async def owned_study_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for section, owner in SECTIONS.items():
        rows = await session.scalars(select(owner.class_).where(owner == user_id))
        data[section] = [_plain(row) for row in rows]
    edges = await session.execute(
        select(TaskDependency.task_id, TaskDependency.depends_on_id)
        .join(Task, Task.id == TaskDependency.task_id)
        .where(Task.user_id == user_id)
    )
    data["taskDependencies"] = [
        {"taskId": str(task_id), "dependsOnId": str(depends_on)} for task_id, depends_on in edges
    ]
    answers = await session.scalars(
        select(Answer)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.user_id == user_id)
    )
    data["attemptAnswers"] = [_plain(answer) for answer in answers]
    return data


def _plain(row: Base) -> dict[str, Any]:
    return {
        _camel(column.key): _value(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in ("user_id", "author_id")
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
