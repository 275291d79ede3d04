"""Planning a user's study time: asked for, or by itself after a change; run by a worker.

The plan job reads the user's state, solves it outside the event loop (`ml.planner`) and
stores the answer only if the plan did not change meanwhile (a slot moved or locked by its
owner, a task finished): otherwise it asks for a fresh plan, which reads the new state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.jobs import Job, JobStatus
from db.models.schedules import RiskCode, SchedulePlan, ScheduleSlot, SlotKind, TaskRisk
from db.repositories.jobs import JobRepository
from db.repositories.schedules import (
    SchedulePlanRepository,
    ScheduleSlotRepository,
    TaskRiskRepository,
)
from db.repositories.users import PreferencesRepository, UserRepository, default_preferences
from ml.planner import plan as solve
from ml.planning import Plan
from resolvers.access import Viewer, require_viewer
from resolvers.jobs import create_job
from resolvers.schedules.changes import ScheduleChange, tell_schedule
from resolvers.schedules.problem import FAR_FUTURE, Planning, is_fixed, load_planning
from resolvers.schedules.timeline import Calendar

PLAN_ACTOR = "schedules.plan"
GENERATE_KIND = "SCHEDULE"
REPLAN_KIND = "REPLAN"
MAX_DAYS = 14
# How far ahead a plan may start.
MAX_LEAD_DAYS = 365
# Plans the nightly run settles per transaction.
NIGHT_BATCH = 200


@dataclass
class _Debounce:
    delay_ms: int = 0


debounce = _Debounce()


async def generate_schedule(
    session_factory: async_sessionmaker[AsyncSession],
    viewer: Viewer | None,
    from_date: date | None,
    days: int,
) -> Job:
    """Queues a plan of `days` of the caller's days from `from_date` (default today)."""
    user_id = require_viewer(viewer).user_id
    if not 1 <= days <= MAX_DAYS:
        raise UserInputError(f"Plan 1 to {MAX_DAYS} days", code="INVALID_DAYS", field="days")
    async with UnitOfWork(session_factory) as uow:
        await UserRepository(uow.session).lock(user_id)
        preferences = await PreferencesRepository(uow.session).current(user_id)
        calendar = Calendar.of(preferences)
        today = calendar.day_of(utcnow())
        first = from_date or today
        if first + timedelta(days=days) <= today:
            raise UserInputError(
                "The plan would end before today", code="FROM_DATE_IN_PAST", field="from"
            )
        if first > today + timedelta(days=MAX_LEAD_DAYS):
            raise UserInputError(
                f"Plan at most {MAX_LEAD_DAYS} days ahead", code="FROM_DATE_TOO_FAR", field="from"
            )
        # Days already over are not planned: a plan from yesterday for two days is today's.
        days -= max(0, (today - first).days)
        first = max(first, today)
        plans = SchedulePlanRepository(uow.session)
        plan = await plans.get(user_id, for_update=True)
        if plan is None:
            plan = plans.add(SchedulePlan(user_id=user_id, days=days, from_date=first))
        plan.days, plan.from_date = days, first
        # Tonight's run would only repeat what this plan does.
        plan.next_night_at = calendar.day_start(today + timedelta(days=1))
        job = await create_job(uow, owner_id=user_id, kind=GENERATE_KIND, actor=PLAN_ACTOR)
        plan.pending_job_id, plan.replan_reason = job.id, None
        await uow.commit()
    return job


async def request_replan(uow: UnitOfWork, user_id: uuid.UUID, cause: str) -> None:
    """Plans again shortly after this unit of work commits, if the user has a plan.

    A replan still waiting in the queue covers this change too (it reads the state when it
    runs), so a burst of changes costs one plan. The plan's version moves on, so a plan
    being computed from the state before this change is not stored.
    """
    # Locked: of two changes committing together, the second sees the first one's job.
    plan = await SchedulePlanRepository(uow.session).get(user_id, for_update=True)
    if plan is None:
        return
    plan.version += 1
    await _replan(uow, plan, cause, delay_ms=debounce.delay_ms)


async def _replan(uow: UnitOfWork, plan: SchedulePlan, cause: str, *, delay_ms: int) -> None:
    """Queues a replan unless one is queued already (it will read the latest state)."""
    if plan.pending_job_id is not None:
        pending = await JobRepository(uow.session).get(plan.pending_job_id)
        if pending is not None and pending.status is JobStatus.QUEUED:
            plan.replan_reason = cause
            return
    job = await create_job(
        uow, owner_id=plan.user_id, kind=REPLAN_KIND, actor=PLAN_ACTOR, delay_ms=delay_ms
    )
    plan.pending_job_id, plan.replan_reason = job.id, cause


async def load_for_job(
    session_factory: async_sessionmaker[AsyncSession], job: Job
) -> Planning | None:
    """The problem the job solves; None when its owner has no plan (any more)."""
    if job.owner_id is None:
        return None
    async with session_factory() as session:
        plan = await SchedulePlanRepository(session).get(job.owner_id)
        if plan is None:
            return None
        return await load_planning(session, plan, utcnow())


# A problem with its answer; None when there was nothing to plan.
Computed = tuple[Planning, Plan] | None


def compute(planning: Planning | None) -> Computed:
    """The CPU-bound part, run in a worker thread."""
    return None if planning is None else (planning, solve(planning.problem))


async def store_plan(uow: UnitOfWork, job: Job, computed: Computed) -> dict[str, Any]:
    """Replaces the plan's movable slots with the new ones, keeping each slot that stays
    where it was under its id, and tells `scheduleUpdated` what changed."""
    if computed is None:
        return {"planned": False}
    planning, result = computed
    user_id = planning.user_id
    await UserRepository(uow.session).lock(user_id)
    plan = await SchedulePlanRepository(uow.session).get(user_id, for_update=True)
    if plan is None:
        return {"planned": False}
    if plan.version != planning.version:
        # Its owner changed it meanwhile: this answer is stale, and a fresh plan follows.
        await request_replan(uow, user_id, plan.replan_reason or "the plan changed while planning")
        return {"planned": False, "superseded": True}
    slots = ScheduleSlotRepository(uow.session)
    origin = planning.timeline.origin
    current = {
        (s.kind, s.task_id, s.start_at, s.end_at): s
        for s in await slots.between(user_id, origin, origin + FAR_FUTURE)
        if not is_fixed(s, origin)
    }
    # New slots, and kept ones whose reason changed ("due in 2 days" the day after).
    changed: list[ScheduleSlot] = []
    wanted: set[tuple[Any, ...]] = set()
    for placed in result.slots:
        task_id = None if placed.task is None else planning.tasks[placed.task]
        key = (
            SlotKind(placed.kind.value),
            task_id,
            planning.timeline.moment(placed.start),
            planning.timeline.moment(placed.end),
        )
        wanted.add(key)
        kept = current.get(key)
        if kept is not None:
            if kept.reason != placed.reason:
                kept.reason = placed.reason
                changed.append(kept)
            continue
        changed.append(
            slots.add(
                ScheduleSlot(
                    user_id=user_id,
                    kind=key[0],
                    start_at=key[2],
                    end_at=key[3],
                    task_id=task_id,
                    reason=placed.reason,
                )
            )
        )
    removed = [slot.id for key, slot in current.items() if key not in wanted]
    await slots.delete_many(removed)
    risks = [
        TaskRisk(
            task_id=planning.tasks[risk.task],
            user_id=user_id,
            code=RiskCode(risk.code.value),
            reason=risk.reason,
        )
        for risk in result.at_risk
    ]
    risk_store = TaskRiskRepository(uow.session)
    unchanged = (
        not changed and not removed and _same_risks(await risk_store.for_user(user_id), risks)
    )
    await risk_store.replace(user_id, risks)
    cause = plan.replan_reason if job.kind == REPLAN_KIND else None
    plan.planned_at = utcnow()
    if plan.pending_job_id == job.id:
        plan.pending_job_id, plan.replan_reason = None, None
    if unchanged:
        # Nothing to tell, and a plan computed meanwhile from the same state stays valid.
        return {
            "version": plan.version,
            "slots": len(result.slots),
            "changed": 0,
            "removed": 0,
            "atRisk": len(risks),
        }
    plan.version += 1
    await uow.session.flush()
    tell_schedule(
        uow,
        user_id,
        version=plan.version,
        change=ScheduleChange.REPLANNED if job.kind == REPLAN_KIND else ScheduleChange.GENERATED,
        changed=changed,
        removed=removed,
        at_risk=risks,
        cause=cause,
    )
    return {
        "version": plan.version,
        "slots": len(result.slots),
        "changed": len(changed),
        "removed": len(removed),
        "atRisk": len(risks),
    }


def _same_risks(before: list[TaskRisk], after: list[TaskRisk]) -> bool:
    def key(risks: list[TaskRisk]) -> set[tuple[object, ...]]:
        return {(r.task_id, r.code, r.reason) for r in risks}

    return key(before) == key(after)


async def plan_nights(
    session_factory: async_sessionmaker[AsyncSession], *, batch: int = NIGHT_BATCH
) -> int:
    """Plans the coming day of every user whose new day has begun (run hourly: each time
    zone's day starts on the hour or half hour), a batch per transaction."""
    queued = 0
    while True:
        now = utcnow()
        async with UnitOfWork(session_factory) as uow:
            plans = await SchedulePlanRepository(uow.session).nights_due(now, batch)
            preferences = await PreferencesRepository(uow.session).many(
                [plan.user_id for plan in plans]
            )
            for plan in plans:
                found = preferences.get(plan.user_id) or default_preferences(plan.user_id)
                calendar = Calendar.of(found)
                plan.next_night_at = calendar.day_start(calendar.day_of(now) + timedelta(days=1))
                await _replan(uow, plan, "a new day has begun", delay_ms=0)
            await uow.commit()
        queued += len(plans)
        if len(plans) < batch:
            return queued
