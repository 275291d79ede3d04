"""How study activity turns into points, streak days, badges and league places: handlers
of the domain events, run in the transaction of the completion itself, so an award exists
exactly when its completion does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

from core.unit_of_work import UnitOfWork
from db.models.badges import BadgeCriterion
from db.models.focus import FocusStatus
from db.models.goals import Difficulty, Timeliness
from db.models.points import SourceKind
from db.repositories.focus import FocusSessionRepository
from db.repositories.tasks import TaskRepository
from resolvers.focus import focused_seconds, minutes
from resolvers.gamification.badges import earn_badges
from resolvers.gamification.leaderboards import forget
from resolvers.gamification.leagues import join_league
from resolvers.gamification.points import Award, AwardRequest, award_points
from resolvers.gamification.rules import week_start
from resolvers.gamification.runtime import live_redis
from resolvers.gamification.streaks import StreakState, record_activity
from resolvers.live import tell, user_channel
from resolvers.study_events import FocusSessionCompleted, TaskCompleted
from resolvers.users import AccountDeleted


async def on_task_completed(uow: UnitOfWork, event: TaskCompleted) -> None:
    before, after, day = await record_activity(uow.session, event.user_id, event.completed_at)
    # Minutes its focus sessions were awarded for already are not paid again.
    sessions = await FocusSessionRepository(uow.session).completed_on_task(event.task_id)
    credited = sum(minutes(focused_seconds(s, None)) for s in sessions)
    award = await award_points(
        uow,
        live_redis(),
        AwardRequest(
            user_id=event.user_id,
            source_kind=SourceKind.TASK,
            source_id=event.task_id,
            reason="TASK_COMPLETED",
            at=event.completed_at,
            day=day,
            streak_days=after.current,
            minutes=max(0, event.actual_minutes - credited),
            difficulty=event.difficulty,
            early=event.timeliness is Timeliness.EARLY,
        ),
    )
    completed = await TaskRepository(uow.session).count_completed(event.user_id)
    await _follow_up(
        uow, event.user_id, before, after, award, {BadgeCriterion.TASKS_COMPLETED: completed}
    )


async def on_focus_session_completed(uow: UnitOfWork, event: FocusSessionCompleted) -> None:
    before, after, day = await record_activity(uow.session, event.user_id, event.completed_at)
    task = None if event.task_id is None else await TaskRepository(uow.session).get(event.task_id)
    award = await award_points(
        uow,
        live_redis(),
        AwardRequest(
            user_id=event.user_id,
            source_kind=SourceKind.FOCUS_SESSION,
            source_id=event.session_id,
            reason="FOCUS_SESSION_COMPLETED",
            at=event.completed_at,
            day=day,
            streak_days=after.current,
            minutes=minutes(event.focused_seconds),
            difficulty=task.difficulty if task is not None else Difficulty.EASY,
        ),
    )
    week = week_start(event.completed_at.astimezone(UTC).date())
    since = datetime.combine(week, time(), tzinfo=UTC)
    await uow.session.flush()  # the ended session counts in its own week
    sessions = await FocusSessionRepository(uow.session).ended_between(
        event.user_id, since, since + timedelta(days=7)
    )
    focused = sum(focused_seconds(s, None) for s in sessions if s.status is FocusStatus.COMPLETED)
    await _follow_up(
        uow,
        event.user_id,
        before,
        after,
        award,
        {BadgeCriterion.FOCUS_MINUTES_IN_WEEK: minutes(focused)},
    )


async def _follow_up(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    before: StreakState,
    after: StreakState,
    award: Award | None,
    values: dict[BadgeCriterion, int],
) -> None:
    values[BadgeCriterion.STREAK_DAYS] = after.current
    if award is not None:
        values[BadgeCriterion.POINTS_TOTAL] = award.balance.total
        if award.inputs.awarded > 0 and award.balance.weekly == award.inputs.awarded:
            # The first points of the week: a place in this week's league.
            await join_league(uow.session, user_id, award.balance.week_start)
    await earn_badges(uow, user_id, values)
    if after != before:
        tell(
            uow,
            user_channel(user_id),
            "streakUpdated",
            {"current": after.current, "longest": after.longest, "freezes": after.freezes},
        )


async def on_account_deleted(uow: UnitOfWork, event: AccountDeleted) -> None:
    redis = live_redis()

    async def drop() -> None:
        await forget(redis, event.user_id)

    uow.after_commit(drop)
