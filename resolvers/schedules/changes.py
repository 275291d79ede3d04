"""`scheduleUpdated`: what changed in a user's plan, told after the commit that changed it.

Each event carries the changed slots as they were at that moment, so a client replaying
with `after:` sees the plan's history in order rather than today's state many times.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.unit_of_work import UnitOfWork
from db.models.schedules import RiskCode, ScheduleSlot, SlotKind, TaskRisk
from resolvers.live import tell, user_channel

EVENT = "scheduleUpdated"


class ScheduleChange(enum.StrEnum):
    GENERATED = "GENERATED"  # asked for with generateSchedule
    REPLANNED = "REPLANNED"  # by itself, after a change that affects the plan
    RESCHEDULED = "RESCHEDULED"  # a task moved by its owner
    LOCKED = "LOCKED"
    UNLOCKED = "UNLOCKED"
    TASK_FINISHED = "TASK_FINISHED"  # a completed or skipped task's slots removed


def slot_data(slot: ScheduleSlot) -> dict[str, Any]:
    return {
        "id": str(slot.id),
        "kind": slot.kind.value,
        "start": slot.start_at.isoformat(),
        "end": slot.end_at.isoformat(),
        "task": None if slot.task_id is None else str(slot.task_id),
        "reason": slot.reason,
        "locked": slot.locked,
    }


def slot_of(data: dict[str, Any], user_id: uuid.UUID) -> ScheduleSlot:
    """A slot as an event described it (not attached to any session)."""
    return ScheduleSlot(
        id=uuid.UUID(data["id"]),
        user_id=user_id,
        kind=SlotKind(data["kind"]),
        start_at=datetime.fromisoformat(data["start"]),
        end_at=datetime.fromisoformat(data["end"]),
        task_id=None if data["task"] is None else uuid.UUID(data["task"]),
        reason=data["reason"],
        locked=data["locked"],
    )


@dataclass(frozen=True)
class PlanChange:
    version: int
    change: ScheduleChange
    cause: str | None
    changed: list[ScheduleSlot]
    removed: list[uuid.UUID]
    at_risk: list[TaskRisk] | None  # None: unchanged by this change


def tell_schedule(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    *,
    version: int,
    change: ScheduleChange,
    changed: Sequence[ScheduleSlot] = (),
    removed: Sequence[uuid.UUID] = (),
    at_risk: Sequence[TaskRisk] | None = None,
    cause: str | None = None,
) -> None:
    tell(
        uow,
        user_channel(user_id),
        EVENT,
        {
            "version": version,
            "change": change.value,
            "cause": cause,
            "changed": [slot_data(slot) for slot in changed],
            "removed": [str(slot_id) for slot_id in removed],
            "atRisk": None
            if at_risk is None
            else [
                {"task": str(r.task_id), "code": r.code.value, "reason": r.reason} for r in at_risk
            ],
        },
    )


def change_of(data: dict[str, Any], user_id: uuid.UUID) -> PlanChange:
    risks = data["atRisk"]
    return PlanChange(
        version=data["version"],
        change=ScheduleChange(data["change"]),
        cause=data["cause"],
        changed=[slot_of(slot, user_id) for slot in data["changed"]],
        removed=[uuid.UUID(slot_id) for slot_id in data["removed"]],
        at_risk=None
        if risks is None
        else [
            TaskRisk(
                task_id=uuid.UUID(r["task"]),
                user_id=user_id,
                code=RiskCode(r["code"]),
                reason=r["reason"],
            )
            for r in risks
        ],
    )
