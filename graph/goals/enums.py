"""The enums of goals and tasks, exposed from the models."""

from __future__ import annotations

from enum import Enum

import strawberry

from db.models import goals as models

strawberry.enum(models.GoalCategory, name="GoalCategory", description="What kind of goal this is.")
GoalCategory = models.GoalCategory
strawberry.enum(models.GoalPriority, name="GoalPriority", description="How much the goal matters.")
GoalPriority = models.GoalPriority
strawberry.enum(
    models.GoalStatus,
    name="GoalStatus",
    description="ACTIVE goals are planned; PAUSED and ARCHIVED ones are not; COMPLETED is done.",
)
GoalStatus = models.GoalStatus
strawberry.enum(models.Difficulty, name="Difficulty", description="How hard a task is.")
Difficulty = models.Difficulty
strawberry.enum(
    models.TaskStatus,
    name="TaskStatus",
    description="PENDING and IN_PROGRESS tasks are open; COMPLETED and SKIPPED ones are finished.",
)
TaskStatus = models.TaskStatus
strawberry.enum(
    models.Timeliness,
    name="Timeliness",
    description="When a task was finished against its due time: EARLY is at least a day "
    "before, ON_TIME by the due time, LATE after it; NO_DUE_DATE when it had none.",
)
Timeliness = models.Timeliness


@strawberry.enum(description="How goals are ordered.")
class GoalOrder(Enum):
    CREATED_AT = "CREATED_AT"
    TARGET_DATE = "TARGET_DATE"


@strawberry.enum(description="How tasks are ordered (due time: soonest first, none last).")
class TaskOrder(Enum):
    CREATED_AT = "CREATED_AT"
    DUE_AT = "DUE_AT"
