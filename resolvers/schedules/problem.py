"""Reads a user's tasks, calendar and current plan into the planner's `Problem`."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models.goals import Difficulty, Goal, GoalPriority, GoalStatus, Task
from db.models.schedules import SchedulePlan, ScheduleSlot, SlotKind
from db.repositories.schedules import PlanningInputRepository, ScheduleSlotRepository
from db.repositories.users import PreferencesRepository
from ml.peak_hours import peak_hours
from ml.planning import Placement, PlanRules, PlanTask, Problem
from resolvers.focus import focused_seconds
from resolvers.focus import minutes as focus_minutes
from resolvers.schedules.timeline import Calendar, Timeline, subtract

PRIORITY_WEIGHT = {GoalPriority.LOW: 1.0, GoalPriority.MEDIUM: 2.0, GoalPriority.HIGH: 3.0}
DIFFICULTY_LEVEL = {Difficulty.EASY: 1, Difficulty.MEDIUM: 2, Difficulty.HARD: 3}
# No study chunk shorter than this, unless the session length is shorter still.
MIN_CHUNK_MINUTES = 25
# Free time the planner tries to keep between a task's last chunk and its due time.
BUFFER_MINUTES = 60
# Focus sessions of this recent past tell the user's peak hours.
PEAK_HISTORY = timedelta(days=60)
# Slots further ahead than any horizon are still the plan's to replace.
FAR_FUTURE = timedelta(days=400)


@dataclass(frozen=True)
class Planning:
    """A problem and what maps its answer back to the calendar."""

    user_id: uuid.UUID
    version: int
    timeline: Timeline
    problem: Problem
    tasks: dict[str, uuid.UUID]  # planner key -> task id


def horizon(plan: SchedulePlan, calendar: Calendar, now: datetime) -> tuple[Timeline, datetime]:
    """From the first day asked for (or now, if later) to the end of its last day; a plan
    whose days have passed rolls forward to start today."""
    first_day = max(plan.from_date, calendar.day_of(now))
    begins = max(now, calendar.day_start(first_day))
    return Timeline.starting(begins), calendar.day_start(first_day + timedelta(days=plan.days))


def is_fixed(slot: ScheduleSlot, origin: datetime) -> bool:
    """Locked slots, and slots already under way, stay as they are."""
    return slot.locked or slot.start_at < origin


async def load_planning(session: AsyncSession, plan: SchedulePlan, now: datetime) -> Planning:
    user_id = plan.user_id
    preferences = await PreferencesRepository(session).current(user_id)
    calendar = Calendar.of(preferences)
    timeline, horizon_end = horizon(plan, calendar, now)
    origin = timeline.origin
    inputs = PlanningInputRepository(session)
    tasks = await inputs.open_tasks(user_id)
    goals = await inputs.goals(user_id)
    edges = await inputs.open_dependencies(user_id)
    focused: dict[uuid.UUID, int] = defaultdict(int)
    for session_on_task in await inputs.completed_on_tasks([task.id for task in tasks]):
        if session_on_task.task_id is not None:
            focused[session_on_task.task_id] += focused_seconds(session_on_task, now)
    # From now, not from the plan's start: a plan that starts tomorrow leaves today's slots
    # where they are, and counts them.
    slots = await ScheduleSlotRepository(session).between(user_id, now, origin + FAR_FUTURE)

    fixed = [slot for slot in slots if is_fixed(slot, origin)]
    session_minutes = preferences.session_minutes
    rules = PlanRules(
        max_chunk=session_minutes,
        min_chunk=min(MIN_CHUNK_MINUTES, session_minutes),
        break_minutes=preferences.break_minutes,
        buffer_minutes=BUFFER_MINUTES,
    )
    planned = _plannable(tasks, goals, edges)
    fixed_minutes: dict[uuid.UUID, int] = defaultdict(int)
    for slot in fixed:
        if slot.task_id is not None and slot.kind is SlotKind.TASK:
            reserved = slot.end_at - max(slot.start_at, now)
            fixed_minutes[slot.task_id] += int(reserved.total_seconds() // 60)
    depends: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for task_id, prerequisite in edges:
        depends[task_id].append(prerequisite)

    plan_tasks = []
    for task in tasks:
        if task.id not in planned:
            continue
        left = task.estimated_minutes - focus_minutes(focused.get(task.id, 0))
        # A task that has taken its whole estimate and is still open overran: one more
        # session is the best guess of what it needs.
        left = left if left > 0 else rules.min_chunk
        left -= fixed_minutes.get(task.id, 0)
        if left <= 0:
            continue
        goal = goals.get(task.goal_id) if task.goal_id is not None else None
        plan_tasks.append(
            PlanTask(
                key=str(task.id),
                minutes=left,
                priority=PRIORITY_WEIGHT[goal.priority] if goal is not None else 1.0,
                difficulty=DIFFICULTY_LEVEL[task.difficulty],
                due=None if task.due_at is None else timeline.minute(task.due_at),
                depends_on=tuple(str(d) for d in depends.get(task.id, ()) if d in planned),
                goal=None if task.goal_id is None else str(task.goal_id),
            )
        )

    free = subtract(
        calendar.window_times(origin, horizon_end), [(s.start_at, s.end_at) for s in fixed]
    )
    samples = await _focus_samples(inputs, user_id, calendar, now)
    peak = calendar.hour_times(peak_hours(samples), origin, horizon_end)
    problem = Problem(
        horizon=timeline.minute(horizon_end),
        windows=timeline.intervals(free),
        tasks=tuple(plan_tasks),
        rules=rules,
        locked=tuple(
            Placement(
                str(s.task_id), timeline.minute(max(s.start_at, origin)), timeline.minute(s.end_at)
            )
            for s in fixed
            if s.task_id is not None and s.task_id in planned and s.end_at > origin
        ),
        previous=tuple(
            Placement(str(s.task_id), timeline.minute(s.start_at), timeline.minute(s.end_at))
            for s in slots
            if not is_fixed(s, origin) and s.kind is SlotKind.TASK and s.task_id is not None
        ),
        peak=timeline.intervals(peak),
    )
    return Planning(
        user_id=user_id,
        version=plan.version,
        timeline=timeline,
        problem=problem,
        tasks={str(task.id): task.id for task in tasks if task.id in planned},
    )


def _plannable(
    tasks: list[Task], goals: dict[uuid.UUID, Goal], edges: list[tuple[uuid.UUID, uuid.UUID]]
) -> set[uuid.UUID]:
    """Open tasks of active goals (or of none), less those waiting on a task left out: a
    paused goal's task will not be done, so nothing after it can start."""
    plannable = {
        task.id
        for task in tasks
        if task.goal_id is None
        or (task.goal_id in goals and goals[task.goal_id].status is GoalStatus.ACTIVE)
    }
    changed = True
    while changed:
        changed = False
        for task_id, prerequisite in edges:
            if task_id in plannable and prerequisite not in plannable:
                plannable.discard(task_id)
                changed = True
    return plannable


async def _focus_samples(
    inputs: PlanningInputRepository, user_id: uuid.UUID, calendar: Calendar, now: datetime
) -> list[tuple[int, float]]:
    """(local hour, score) of recent completed sessions: the share of the planned time
    actually focused, lowered by each distraction."""
    samples = []
    for session in await inputs.completed_focus(user_id, now - PEAK_HISTORY):
        seconds = focused_seconds(session, now)
        share = (
            min(1.0, seconds / (session.planned_minutes * 60)) if session.planned_minutes else 0.0
        )
        hour = session.started_at.astimezone(calendar.zone).hour
        samples.append((hour, share / (1 + session.distraction_count)))
    return samples
