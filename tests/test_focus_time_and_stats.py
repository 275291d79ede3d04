"""Focused time: paused time does not count, focus statistics over a period, and the minutes a
task took from its focus sessions.

The business functions in `resolvers.focus` take an explicit `now`, so these rules are tested
by calling them directly at exact instants; `focusStats` is also read through the API.
"""

from __future__ import annotations

from datetime import timedelta

import httpx

from db.base import utcnow
from db.models.focus import FocusStatus
from db.models.goals import TaskStatus, Timeliness
from resolvers import focus as focus_rules
from resolvers import tasks as task_rules
from resolvers.access import Viewer
from resolvers.focus import FocusPeriod, FocusStats
from tests.accounts import Account, viewer_of
from tests.focus_helpers import (
    MINUTE,
    T0,
    Factory,
    data,
    run_session,
    stored_session,
    stored_task,
)

NO_STATS = FocusStats(
    focused_minutes=0,
    sessions=0,
    abandoned_sessions=0,
    average_session_minutes=0.0,
    distractions_per_hour=0.0,
    productivity_score=0,
)
STATS = """
query ($period: FocusPeriod!) {
  focusStats(period: $period) {
    focusedMinutes sessions abandonedSessions averageSessionMinutes distractionsPerHour
    productivityScore
  }
}"""

# ---------------------------------------------------------------------------------------------
# focused time: pauses do not count
# ---------------------------------------------------------------------------------------------


async def test_paused_time_does_not_count(session_factory: Factory, viewer: Viewer) -> None:
    started = await focus_rules.start_focus_session(session_factory, viewer, 45, None, now=T0)
    assert focus_rules.focused_seconds(started, T0 + 10 * MINUTE) == 600

    paused = await focus_rules.pause_focus_session(
        session_factory, viewer, started.id, now=T0 + 10 * MINUTE
    )
    assert paused.status == FocusStatus.PAUSED
    # The pause under way does not count either.
    assert focus_rules.focused_seconds(paused, T0 + 20 * MINUTE) == 600

    resumed = await focus_rules.resume_focus_session(
        session_factory, viewer, started.id, now=T0 + 25 * MINUTE
    )
    assert (resumed.status, resumed.paused_at, resumed.paused_seconds) == (
        FocusStatus.ACTIVE,
        None,
        900,
    )
    assert focus_rules.focused_seconds(resumed, T0 + 30 * MINUTE) == 900

    done = await focus_rules.complete_focus_session(
        session_factory, viewer, started.id, now=T0 + 40 * MINUTE
    )
    stored = await stored_session(session_factory, started.id)
    assert {key: stored[key] for key in ("status", "ended_at", "paused_at")} == {
        "status": FocusStatus.COMPLETED,
        "ended_at": T0 + 40 * MINUTE,
        "paused_at": None,
    }
    assert (stored["paused_seconds"], stored["pause_count"]) == (900, 1)
    # Once ended, `now` no longer matters.
    assert focus_rules.focused_seconds(done, None) == 25 * 60
    assert focus_rules.focused_seconds(done, T0 + timedelta(days=3)) == 25 * 60

    stats = await focus_rules.focus_stats(
        session_factory, viewer, FocusPeriod.DAY, now=T0 + 60 * MINUTE
    )
    assert (stats.focused_minutes, stats.sessions, stats.average_session_minutes) == (25, 1, 25.0)


async def test_a_pause_under_way_at_completion_does_not_count(
    session_factory: Factory, viewer: Viewer
) -> None:
    session = await run_session(session_factory, viewer, T0, pauses=[(20, 30)], end_after=60)
    assert (session.paused_seconds, session.pause_count) == (600, 1)
    paused_at_the_end = await focus_rules.start_focus_session(
        session_factory, viewer, 25, None, now=T0 + 2 * 60 * MINUTE
    )
    await focus_rules.pause_focus_session(
        session_factory, viewer, paused_at_the_end.id, now=T0 + 135 * MINUTE
    )
    ended = await focus_rules.complete_focus_session(
        session_factory, viewer, paused_at_the_end.id, now=T0 + 150 * MINUTE
    )
    assert (ended.paused_at, ended.paused_seconds) == (None, 15 * 60)
    assert focus_rules.focused_seconds(ended, None) == 15 * 60


# ---------------------------------------------------------------------------------------------
# focus statistics
# ---------------------------------------------------------------------------------------------


async def test_focus_stats_exact_values(session_factory: Factory, viewer: Viewer) -> None:
    now = T0 + timedelta(days=10)
    # Ended 8 days ago: outside WEEK, inside MONTH.
    await run_session(session_factory, viewer, now - timedelta(days=8, hours=1), end_after=30)
    # 50 focused minutes, 10 paused, 2 distractions; then an abandoned session.
    completed = await run_session(
        session_factory,
        viewer,
        now - 3 * 60 * MINUTE,
        pauses=[(20, 30)],
        distractions_at=[5, 40],
        end_after=60,
    )
    assert (completed.distraction_count, completed.paused_seconds) == (2, 600)
    await run_session(
        session_factory,
        viewer,
        now - 90 * MINUTE,
        end_after=10,
        ending=FocusStatus.ABANDONED,
        distractions_at=[3],
    )

    week = await focus_rules.focus_stats(session_factory, viewer, FocusPeriod.WEEK, now=now)
    # round(100 x 1/2 x 50/60 / (1 + 2.4 / 4)) = round(26.04) = 26
    assert week == FocusStats(
        focused_minutes=50,
        sessions=1,
        abandoned_sessions=1,
        average_session_minutes=50.0,
        distractions_per_hour=2.4,
        productivity_score=26,
    )
    month = await focus_rules.focus_stats(session_factory, viewer, FocusPeriod.MONTH, now=now)
    # 80 focused of 90 minutes, 2 distractions in 80 minutes = 1.5 an hour:
    # round(100 x 2/3 x 80/90 / (1 + 1.5 / 4)) = round(43.10) = 43
    assert month == FocusStats(
        focused_minutes=80,
        sessions=2,
        abandoned_sessions=1,
        average_session_minutes=40.0,
        distractions_per_hour=1.5,
        productivity_score=43,
    )
    # Before any of them ended there is nothing to count.
    earlier = now - timedelta(days=9)
    assert (
        await focus_rules.focus_stats(session_factory, viewer, FocusPeriod.DAY, now=earlier)
        == NO_STATS
    )


async def test_focus_stats_ignore_open_sessions_and_other_users(
    session_factory: Factory, viewer: Viewer, other: Account
) -> None:
    await run_session(session_factory, viewer, T0, end_after=30)
    await run_session(session_factory, viewer_of(other), T0, end_after=45)
    await focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0 + 40 * MINUTE)

    stats = await focus_rules.focus_stats(
        session_factory, viewer, FocusPeriod.DAY, now=T0 + 60 * MINUTE
    )
    assert stats == FocusStats(
        focused_minutes=30,
        sessions=1,
        abandoned_sessions=0,
        average_session_minutes=30.0,
        distractions_per_hour=0.0,
        productivity_score=100,
    )


async def test_only_abandoned_sessions_score_zero(session_factory: Factory, viewer: Viewer) -> None:
    await run_session(session_factory, viewer, T0, end_after=20, ending=FocusStatus.ABANDONED)
    stats = await focus_rules.focus_stats(
        session_factory, viewer, FocusPeriod.DAY, now=T0 + 60 * MINUTE
    )
    assert stats == FocusStats(
        focused_minutes=0,
        sessions=0,
        abandoned_sessions=1,
        average_session_minutes=0.0,
        distractions_per_hour=0.0,
        productivity_score=0,
    )


async def test_no_sessions_give_zero_stats(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, viewer: Viewer
) -> None:
    for period in FocusPeriod:
        assert await focus_rules.focus_stats(session_factory, viewer, period, now=T0) == NO_STATS
    for name in ("DAY", "WEEK", "MONTH"):
        assert (await data(client, account, STATS, period=name))["focusStats"] == {
            "focusedMinutes": 0,
            "sessions": 0,
            "abandonedSessions": 0,
            "averageSessionMinutes": 0.0,
            "distractionsPerHour": 0.0,
            "productivityScore": 0,
        }


async def test_focus_stats_through_the_api(
    client: httpx.AsyncClient, session_factory: Factory, account: Account, viewer: Viewer
) -> None:
    # The API counts up to the real now: place the sessions a few hours before it.
    start = utcnow().replace(microsecond=0) - 5 * 60 * MINUTE
    await run_session(
        session_factory, viewer, start, pauses=[(20, 30)], distractions_at=[5, 40], end_after=60
    )
    await run_session(
        session_factory, viewer, start + 90 * MINUTE, end_after=10, ending=FocusStatus.ABANDONED
    )
    # Ended 8 days ago: only MONTH counts it.
    await run_session(session_factory, viewer, start - timedelta(days=8), end_after=30)

    assert (await data(client, account, STATS, period="WEEK"))["focusStats"] == {
        "focusedMinutes": 50,
        "sessions": 1,
        "abandonedSessions": 1,
        "averageSessionMinutes": 50.0,
        "distractionsPerHour": 2.4,
        "productivityScore": 26,
    }
    assert (await data(client, account, STATS, period="MONTH"))["focusStats"]["sessions"] == 2


# ---------------------------------------------------------------------------------------------
# a task's actual minutes from its focus sessions
# ---------------------------------------------------------------------------------------------


async def test_completing_a_task_uses_its_focused_minutes(
    session_factory: Factory, viewer: Viewer
) -> None:
    task = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Read", estimated_minutes=30)
    )
    # Abandoned on the task: 40 minutes that do not count.
    await run_session(
        session_factory, viewer, T0, end_after=40, ending=FocusStatus.ABANDONED, task_id=task.id
    )
    # 35 minutes with a 10-minute pause: 25 focused.
    await run_session(
        session_factory, viewer, T0 + 60 * MINUTE, pauses=[(10, 20)], end_after=35, task_id=task.id
    )
    # Another task's session does not count either.
    elsewhere = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Write", estimated_minutes=30)
    )
    await run_session(
        session_factory, viewer, T0 + 120 * MINUTE, end_after=15, task_id=elsewhere.id
    )

    completion = await task_rules.complete_task(
        session_factory, viewer, task.id, None, now=T0 + 3 * 60 * MINUTE
    )
    assert (completion.task.status, completion.task.actual_minutes) == (TaskStatus.COMPLETED, 25)
    assert completion.timeliness == Timeliness.NO_DUE_DATE
    stored = await stored_task(session_factory, task.id)
    assert (stored.status, stored.actual_minutes, stored.finished_at) == (
        TaskStatus.COMPLETED,
        25,
        T0 + 3 * 60 * MINUTE,
    )


async def test_focused_minutes_of_several_sessions_add_up(
    session_factory: Factory, viewer: Viewer
) -> None:
    task = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Read", estimated_minutes=30)
    )
    await run_session(session_factory, viewer, T0, end_after=25, task_id=task.id)
    await run_session(
        session_factory, viewer, T0 + 60 * MINUTE, pauses=[(5, 15)], end_after=30, task_id=task.id
    )
    completion = await task_rules.complete_task(
        session_factory, viewer, task.id, None, now=T0 + 3 * 60 * MINUTE
    )
    assert completion.task.actual_minutes == 45


async def test_task_without_focus_sessions_uses_the_estimate_and_given_minutes_win(
    session_factory: Factory, viewer: Viewer
) -> None:
    plain = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Read", estimated_minutes=30)
    )
    done = await task_rules.complete_task(session_factory, viewer, plain.id, None, now=T0)
    assert done.task.actual_minutes == 30

    focused = await task_rules.create_task(
        session_factory, viewer, task_rules.TaskDraft(title="Write", estimated_minutes=30)
    )
    await run_session(session_factory, viewer, T0, end_after=25, task_id=focused.id)
    given = await task_rules.complete_task(
        session_factory, viewer, focused.id, 70, now=T0 + 60 * MINUTE
    )
    assert given.task.actual_minutes == 70
