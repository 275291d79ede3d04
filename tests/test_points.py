"""Points, streaks and badges as completed work earns them: through the API as clients see
them, and through the resolvers at exact instants where the user's calendar matters.

Every award below is worked out by hand from the published formula
round_half_up((10 + 5 x full half hours + 10 if early) x difficulty x (1 + streak / 100)),
cut to the day's cap (tasks 500, focus sessions 300), with the streak counting the day of
the award itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.domain_events import publish
from core.ids import from_global_id, to_global_id
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.badges import EarnedBadge
from db.models.focus import FocusStatus
from db.models.goals import Difficulty, Timeliness
from db.models.points import PointBalance, PointEntry, Streak
from db.models.users import Role
from resolvers import tasks
from resolvers.access import Viewer
from resolvers.gamification.points import PointsSummary, my_points
from resolvers.gamification.rules import local_day
from resolvers.gamification.streaks import StreakState, StreakView, my_streak
from resolvers.study_events import TaskCompleted
from tests.accounts import Account, gql, login, register_with_role
from tests.focus_helpers import MINUTE, T0, Factory, count_rows, data, run_session, stored_task
from tests.study_api import create_task, mutate

MY_POINTS = """
{ myPoints { balance total weekly monthly level levelStartsAt nextLevelAt progressToNextLevel } }
"""
HISTORY = """
query ($first: Int!, $after: String) {
  pointHistory(first: $first, after: $after) {
    edges { node {
      kind amount reason sourceKind sourceId day
      inputs {
        minutes early difficulty streakDays base minuteBonus earlyBonus difficultyMultiplier
        streakMultiplier computed dailyCap earnedTodayBefore awarded
      }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
STREAK = "{ streak { current longest freezesHeld lastActiveDay activeToday today } }"
COMPLETE = """
mutation ($id: ID!, $minutes: Int) {
  completeTask(id: $id, actualMinutes: $minutes) {
    task { status actualMinutes } timeliness errors { code field }
  }
}
"""
PREFERENCES = """
mutation ($input: PreferencesInput!) {
  updatePreferences(input: $input) { preferences { timeZone dayStartHour } errors { code field } }
}
"""
BADGE_FIELDS = "id code name description criterion threshold"
CREATE_BADGE = f"""
mutation ($input: CreateBadgeInput!) {{
  createBadge(input: $input) {{ badge {{ {BADGE_FIELDS} }} errors {{ code field }} }}
}}
"""
MY_BADGES = "{ myBadges { badge { code criterion threshold } value } }"


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def shown(
    *,
    minutes: int,
    difficulty: str,
    streak: int,
    minute_bonus: int,
    multiplier: float,
    computed: int,
    awarded: int,
    before: int = 0,
    early: bool = False,
    cap: int = 500,
) -> dict[str, Any]:
    """The `inputs` of a history entry as the API shows them."""
    return {
        "minutes": minutes,
        "early": early,
        "difficulty": difficulty,
        "streakDays": streak,
        "base": 10,
        "minuteBonus": minute_bonus,
        "earlyBonus": 10 if early else 0,
        "difficultyMultiplier": multiplier,
        "streakMultiplier": 1 + streak / 100,
        "computed": computed,
        "dailyCap": cap,
        "earnedTodayBefore": before,
        "awarded": awarded,
    }


async def history(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    """Every entry of the account's ledger, oldest first."""
    page = (await data(client, account, HISTORY, first=100))["pointHistory"]
    assert page["pageInfo"]["hasNextPage"] is False
    return [edge["node"] for edge in page["edges"]]


async def summary(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    return dict((await data(client, account, MY_POINTS))["myPoints"])


async def new_task(
    session_factory: Factory,
    viewer: Viewer,
    difficulty: Difficulty,
    *,
    due_at: datetime | None = None,
) -> uuid.UUID:
    draft = tasks.TaskDraft(
        title="Exercise", estimated_minutes=30, difficulty=difficulty, due_at=due_at
    )
    return (await tasks.create_task(session_factory, viewer, draft)).id


async def finish(
    session_factory: Factory,
    viewer: Viewer,
    difficulty: Difficulty,
    minutes: int,
    when: datetime,
) -> uuid.UUID:
    """A new task of the given difficulty, completed at `when` after `minutes`."""
    task_id = await new_task(session_factory, viewer, difficulty)
    await tasks.complete_task(session_factory, viewer, task_id, minutes, now=when)
    return task_id


async def stored_streak(session_factory: Factory, user_id: uuid.UUID) -> StreakState:
    async with session_factory() as session:
        row = await session.get(Streak, user_id)
        assert row is not None
        return StreakState(
            row.current, row.longest, row.freezes, row.active_days, row.last_active_day
        )


async def stored_balance(session_factory: Factory, user_id: uuid.UUID) -> tuple[int, ...]:
    async with session_factory() as session:
        row = await session.get(PointBalance, user_id)
        assert row is not None
        return (row.balance, row.total, row.weekly, row.monthly)


async def ledger_amounts(session_factory: Factory, user_id: uuid.UUID) -> list[int]:
    async with session_factory() as session:
        rows = await session.scalars(
            select(PointEntry.amount).where(PointEntry.user_id == user_id).order_by(PointEntry.id)
        )
        return list(rows)


async def admin_of(client: httpx.AsyncClient, db: AsyncEngine) -> Account:
    """An admin, signed in again so that the token carries the role."""
    registered = await register_with_role(client, db, Role.ADMIN)
    session = await login(client, registered.email)
    assert session["errors"] == [], session
    return Account(registered.id, registered.email, session["accessToken"], session["refreshToken"])


async def create_badge(
    client: httpx.AsyncClient, admin: Account, code: str, criterion: str, threshold: int
) -> dict[str, Any]:
    payload = await mutate(
        client,
        admin,
        CREATE_BADGE,
        input={"code": code, "name": code.title(), "criterion": criterion, "threshold": threshold},
    )
    assert payload["errors"] == [], payload
    return dict(payload["badge"])


async def my_badges(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    return list((await data(client, account, MY_BADGES))["myBadges"])


# ---------------------------------------------------------------------------------------------
# awards through the API
# ---------------------------------------------------------------------------------------------


async def test_points_for_each_difficulty(
    client: httpx.AsyncClient, account: Account, other: Account, session_factory: Factory
) -> None:
    assert await summary(client, account) == {
        "balance": 0,
        "total": 0,
        "weekly": 0,
        "monthly": 0,
        "level": 1,
        "levelStartsAt": 0,
        "nextLevelAt": 100,
        "progressToNextLevel": 0.0,
    }
    assert await history(client, account) == []

    easy = await create_task(client, account, difficulty="EASY")
    medium = await create_task(client, account, difficulty="MEDIUM", estimatedMinutes=60)
    hard = await create_task(client, account, difficulty="HARD")
    for task_id, minutes in ((easy, 30), (medium, None), (hard, 90)):
        done = await mutate(client, account, COMPLETE, id=task_id, minutes=minutes)
        assert done["errors"] == [], done
    # First day of a streak: x 1.01 on every award of the day.
    # EASY 30 min: 15 x 1.01 = 15.15; MEDIUM, no minutes given so its 60-minute estimate:
    # 20 x 1.5 x 1.01 = 30.3; HARD 90 min: 25 x 2 x 1.01 = 50.5, rounded up.
    assert await summary(client, account) == {
        "balance": 96,
        "total": 96,
        "weekly": 96,
        "monthly": 96,
        "level": 1,
        "levelStartsAt": 0,
        "nextLevelAt": 100,
        "progressToNextLevel": 0.96,
    }
    zero = await create_task(client, account, difficulty="HARD")
    assert (await mutate(client, account, COMPLETE, id=zero, minutes=0))["errors"] == []
    # HARD, 0 minutes: 10 x 2 x 1.01 = 20.2. 116 points: level 2 (100 to 300).
    assert await summary(client, account) == {
        "balance": 116,
        "total": 116,
        "weekly": 116,
        "monthly": 116,
        "level": 2,
        "levelStartsAt": 100,
        "nextLevelAt": 300,
        "progressToNextLevel": 0.08,
    }

    entries = await history(client, account)
    finished_at = (await stored_task(session_factory, from_global_id(easy)[1])).finished_at
    assert finished_at is not None
    day = local_day(finished_at, "UTC", 4).isoformat()
    common = {"kind": "AWARD", "reason": "TASK_COMPLETED", "sourceKind": "TASK", "day": day}
    assert entries == [
        common
        | {
            "amount": 15,
            "sourceId": easy,
            "inputs": shown(
                minutes=30,
                difficulty="EASY",
                streak=1,
                minute_bonus=5,
                multiplier=1.0,
                computed=15,
                awarded=15,
            ),
        },
        common
        | {
            "amount": 30,
            "sourceId": medium,
            "inputs": shown(
                minutes=60,
                difficulty="MEDIUM",
                streak=1,
                minute_bonus=10,
                multiplier=1.5,
                computed=30,
                awarded=30,
                before=15,
            ),
        },
        common
        | {
            "amount": 51,
            "sourceId": hard,
            "inputs": shown(
                minutes=90,
                difficulty="HARD",
                streak=1,
                minute_bonus=15,
                multiplier=2.0,
                computed=51,
                awarded=51,
                before=45,
            ),
        },
        common
        | {
            "amount": 20,
            "sourceId": zero,
            "inputs": shown(
                minutes=0,
                difficulty="HARD",
                streak=1,
                minute_bonus=0,
                multiplier=2.0,
                computed=20,
                awarded=20,
                before=96,
            ),
        },
    ]
    # Pages of the ledger, oldest first.
    first = (await data(client, account, HISTORY, first=3))["pointHistory"]
    assert [e["node"]["amount"] for e in first["edges"]] == [15, 30, 51]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await data(client, account, HISTORY, first=3, after=first["pageInfo"]["endCursor"]))[
        "pointHistory"
    ]
    assert [e["node"]["amount"] for e in rest["edges"]] == [20]
    assert rest["pageInfo"]["hasNextPage"] is False

    streak = (await data(client, account, STREAK))["streak"]
    assert streak == {
        "current": 1,
        "longest": 1,
        "freezesHeld": 0,
        "lastActiveDay": day,
        "activeToday": True,
        "today": day,
    }
    # None of it is the other user's.
    assert await history(client, other) == []
    assert (await summary(client, other))["total"] == 0


async def test_the_level_curve(client: httpx.AsyncClient, account: Account) -> None:
    curve = (await data(client, account, "{ levelCurve(upTo: 6) { level totalXp } }"))["levelCurve"]
    assert curve == [
        {"level": 1, "totalXp": 0},
        {"level": 2, "totalXp": 100},
        {"level": 3, "totalXp": 300},
        {"level": 4, "totalXp": 600},
        {"level": 5, "totalXp": 1000},
        {"level": 6, "totalXp": 1500},
    ]
    longest = (await data(client, account, "{ levelCurve(upTo: 100) { level totalXp } }"))[
        "levelCurve"
    ]
    assert (len(longest), longest[-1]) == (100, {"level": 100, "totalXp": 495_000})
    for up_to in (0, 101):
        result = await gql(client, f"{{ levelCurve(upTo: {up_to}) {{ level }} }}", account=account)
        assert [e["extensions"]["code"] for e in result["errors"]] == ["INVALID_LEVEL"]


async def test_a_task_is_awarded_once(
    client: httpx.AsyncClient, account: Account, viewer: Viewer, session_factory: Factory
) -> None:
    task_id = await create_task(client, account, difficulty="MEDIUM")
    assert (await mutate(client, account, COMPLETE, id=task_id, minutes=45))["errors"] == []
    again = await mutate(client, account, COMPLETE, id=task_id, minutes=200)
    assert again["errors"] == [{"code": "TASK_FINISHED", "field": "id"}]
    # 15 x 1.5 x 1.01 = 22.725
    [entry] = await history(client, account)
    assert (entry["amount"], entry["sourceId"], entry["inputs"]["minutes"]) == (23, task_id, 45)
    assert (await summary(client, account))["total"] == 23
    streak_before = await stored_streak(session_factory, viewer.user_id)

    # The same completion delivered again (a retried job, a replayed event) awards nothing.
    local = from_global_id(task_id)[1]
    task = await stored_task(session_factory, local)
    assert task.finished_at is not None
    async with UnitOfWork(session_factory) as uow:
        await publish(
            uow,
            TaskCompleted(
                user_id=viewer.user_id,
                task_id=local,
                goal_id=None,
                estimated_minutes=30,
                actual_minutes=45,
                difficulty=Difficulty.MEDIUM,
                timeliness=Timeliness.NO_DUE_DATE,
                completed_at=task.finished_at,
            ),
        )
        await uow.commit()
    assert await history(client, account) == [entry]
    assert await stored_balance(session_factory, viewer.user_id) == (23, 23, 23, 23)
    assert await stored_streak(session_factory, viewer.user_id) == streak_before
    assert await count_rows(session_factory, PointEntry, viewer.user_id) == 1


# ---------------------------------------------------------------------------------------------
# the daily cap, at exact instants
# ---------------------------------------------------------------------------------------------


async def test_the_daily_cap_cuts_awards_within_one_user_day(
    client: httpx.AsyncClient, account: Account, viewer: Viewer, session_factory: Factory
) -> None:
    # Default preferences: UTC, days starting at 04:00. T0 is Monday 2026-03-02 09:00.
    hard = Difficulty.HARD
    # HARD 600 minutes on the first day of a streak: (10 + 100) x 2 x 1.01 = 222.2.
    ids = [await finish(session_factory, viewer, hard, 600, T0 + i * MINUTE) for i in range(4)]
    # 03:59 the next morning is still the user's Monday.
    ids.append(await finish(session_factory, viewer, hard, 600, at(2026, 3, 3, 3, 59)))
    # Focus sessions have a cap of their own: 25 minutes, no task: 10 x 1.01.
    focus = await run_session(session_factory, viewer, T0 + 60 * MINUTE, end_after=25)
    # 04:00 begins Tuesday: a fresh cap and a 2-day streak, 220 x 1.02 = 224.4.
    ids.append(await finish(session_factory, viewer, hard, 600, at(2026, 3, 3, 4, 0)))

    entries = await history(client, account)
    monday: dict[str, Any] = {
        "minutes": 600,
        "difficulty": "HARD",
        "streak": 1,
        "minute_bonus": 100,
    }
    task_inputs = [
        shown(**monday, multiplier=2.0, computed=222, awarded=222, before=0),
        shown(**monday, multiplier=2.0, computed=222, awarded=222, before=222),
        shown(**monday, multiplier=2.0, computed=222, awarded=56, before=444),
        shown(**monday, multiplier=2.0, computed=222, awarded=0, before=500),
        shown(**monday, multiplier=2.0, computed=222, awarded=0, before=500),
        shown(
            minutes=25,
            difficulty="EASY",
            streak=1,
            minute_bonus=0,
            multiplier=1.0,
            computed=10,
            awarded=10,
            cap=300,
        ),
        shown(
            minutes=600,
            difficulty="HARD",
            streak=2,
            minute_bonus=100,
            multiplier=2.0,
            computed=224,
            awarded=224,
        ),
    ]
    sources = [to_global_id("Task", i) for i in ids[:5]]
    sources += [to_global_id("FocusSession", focus.id), to_global_id("Task", ids[5])]
    assert [
        (e["amount"], e["sourceKind"], e["sourceId"], e["day"], e["inputs"]) for e in entries
    ] == [
        (222, "TASK", sources[0], "2026-03-02", task_inputs[0]),
        (222, "TASK", sources[1], "2026-03-02", task_inputs[1]),
        (56, "TASK", sources[2], "2026-03-02", task_inputs[2]),
        (0, "TASK", sources[3], "2026-03-02", task_inputs[3]),
        (0, "TASK", sources[4], "2026-03-02", task_inputs[4]),
        (10, "FOCUS_SESSION", sources[5], "2026-03-02", task_inputs[5]),
        (224, "TASK", sources[6], "2026-03-03", task_inputs[6]),
    ]

    # 734 points: level 4 (600 to 1000).
    this_week = await my_points(session_factory, viewer, now=at(2026, 3, 4, 12, 0))
    assert this_week == PointsSummary(balance=734, total=734, weekly=734, monthly=734)
    assert (this_week.level, this_week.level_floor, this_week.next_level_at) == (4, 600, 1000)
    assert this_week.progress_to_next_level == 134 / 400
    # The weekly sum restarts on Monday (UTC), the monthly one on the 1st.
    next_week = await my_points(session_factory, viewer, now=at(2026, 3, 9, 0, 0))
    assert next_week == PointsSummary(balance=734, total=734, weekly=0, monthly=734)
    last_day_of_week = await my_points(session_factory, viewer, now=at(2026, 3, 8, 23, 59))
    assert last_day_of_week.weekly == 734
    next_month = await my_points(session_factory, viewer, now=at(2026, 4, 1, 0, 0))
    assert next_month == PointsSummary(balance=734, total=734, weekly=0, monthly=0)
    # Read through the API today, long after March 2026.
    assert await summary(client, account) == {
        "balance": 734,
        "total": 734,
        "weekly": 0,
        "monthly": 0,
        "level": 4,
        "levelStartsAt": 600,
        "nextLevelAt": 1000,
        "progressToNextLevel": 0.335,
    }
    assert await stored_balance(session_factory, viewer.user_id) == (734, 734, 734, 734)
    assert await ledger_amounts(session_factory, viewer.user_id) == [
        222,
        222,
        56,
        0,
        0,
        10,
        224,
    ]


async def test_the_early_bonus(
    client: httpx.AsyncClient, account: Account, viewer: Viewer, session_factory: Factory
) -> None:
    start = utcnow().replace(microsecond=0)
    due = start + timedelta(days=3)
    early = await new_task(session_factory, viewer, Difficulty.HARD, due_at=due)
    on_time = await new_task(session_factory, viewer, Difficulty.HARD, due_at=due)
    done = await tasks.complete_task(session_factory, viewer, early, 45, now=start + MINUTE)
    assert done.timeliness is Timeliness.EARLY
    # Less than a day before the due time is on time: no bonus. Two days later, so the
    # streak has restarted at 1 either way.
    late = await tasks.complete_task(
        session_factory, viewer, on_time, 45, now=due - timedelta(hours=12)
    )
    assert late.timeliness is Timeliness.ON_TIME
    entries = await history(client, account)
    # (10 + 5 + 10) x 2 x 1.01 = 50.5 and (10 + 5) x 2 x 1.01 = 30.3
    common: dict[str, Any] = {"minutes": 45, "difficulty": "HARD", "streak": 1, "minute_bonus": 5}
    assert [(e["amount"], e["inputs"]) for e in entries] == [
        (51, shown(**common, multiplier=2.0, computed=51, awarded=51, early=True)),
        (30, shown(**common, multiplier=2.0, computed=30, awarded=30)),
    ]


# ---------------------------------------------------------------------------------------------
# streaks in the user's own days
# ---------------------------------------------------------------------------------------------


def view(state: StreakState, today: date) -> StreakView:
    return StreakView(state, today)


async def test_a_streak_counts_the_users_own_days(
    client: httpx.AsyncClient,
    db: AsyncEngine,
    account: Account,
    viewer: Viewer,
    session_factory: Factory,
) -> None:
    admin = await admin_of(client, db)
    await create_badge(client, admin, "THREE_DAYS", "STREAK_DAYS", 3)
    await create_badge(client, admin, "EIGHT_DAYS", "STREAK_DAYS", 8)
    await create_badge(client, admin, "NINE_DAYS", "STREAK_DAYS", 9)
    changed = await mutate(
        client, account, PREFERENCES, input={"timeZone": "Asia/Tokyo", "dayStartHour": 6}
    )
    assert changed == {
        "preferences": {"timeZone": "Asia/Tokyo", "dayStartHour": 6},
        "errors": [],
    }
    # Tokyo is UTC+9 and its user's days begin at 06:00 there, 21:00 UTC the day before.
    # 20:30 and 21:30 UTC on March 2nd are 05:30 and 06:30 on the 3rd in Tokyo: the user's
    # March 2nd and 3rd (in UTC with days starting at 4 they would be one day).
    moments = [at(2026, 3, 2, 20, 30), at(2026, 3, 2, 21, 30)]
    # Then 07:00 in Tokyo on the 4th to the 8th: seven active days in a row.
    moments += [at(2026, 3, day - 1, 22, 0) for day in range(4, 9)]
    for moment in moments:
        await finish(session_factory, viewer, Difficulty.EASY, 0, moment)
    march = [date(2026, 3, day) for day in range(2, 9)]
    # The 7th active day earned a freeze.
    assert await stored_streak(session_factory, viewer.user_id) == StreakState(
        7, 7, 1, 7, march[-1]
    )

    # March 9th in Tokyo (21:00 there) passes without activity.
    evening = at(2026, 3, 9, 12, 0)
    assert await my_streak(session_factory, viewer, now=evening) == view(
        StreakState(7, 7, 1, 7, march[-1]), date(2026, 3, 9)
    )
    assert not (await my_streak(session_factory, viewer, now=evening)).active_today
    # From 06:00 on the 10th in Tokyo, the freeze covers the 9th (shown, not yet written).
    next_morning = at(2026, 3, 9, 21, 0)
    assert await my_streak(session_factory, viewer, now=next_morning) == view(
        StreakState(7, 7, 0, 7, date(2026, 3, 9)), date(2026, 3, 10)
    )
    assert await my_streak(session_factory, viewer, now=next_morning - MINUTE) == view(
        StreakState(7, 7, 1, 7, march[-1]), date(2026, 3, 9)
    )
    assert await stored_streak(session_factory, viewer.user_id) == StreakState(
        7, 7, 1, 7, march[-1]
    )
    # 05:59 on the 11th in Tokyo is still the user's 10th: the streak goes on.
    late = at(2026, 3, 10, 20, 59)
    last = await finish(session_factory, viewer, Difficulty.EASY, 0, late)
    tenth = date(2026, 3, 10)
    assert await stored_streak(session_factory, viewer.user_id) == StreakState(8, 8, 0, 8, tenth)
    after = await my_streak(session_factory, viewer, now=late)
    assert (after, after.active_today) == (view(StreakState(8, 8, 0, 8, tenth), tenth), True)
    # Two days missed without a freeze: the streak is lost, the longest kept.
    assert await my_streak(session_factory, viewer, now=at(2026, 3, 12, 21, 0)) == view(
        StreakState(0, 8, 0, 8, tenth), date(2026, 3, 13)
    )

    # Each award used the streak of its day: 10 x (1 + n / 100), 10.5 and up rounding to 11.
    entries = await history(client, account)
    assert [(e["day"], e["inputs"]["streakDays"], e["amount"]) for e in entries] == [
        ("2026-03-02", 1, 10),
        ("2026-03-03", 2, 10),
        ("2026-03-04", 3, 10),
        ("2026-03-05", 4, 10),
        ("2026-03-06", 5, 11),
        ("2026-03-07", 6, 11),
        ("2026-03-08", 7, 11),
        ("2026-03-10", 8, 11),
    ]
    assert entries[-1]["sourceId"] == to_global_id("Task", last)
    assert [e["inputs"]["streakMultiplier"] for e in entries] == [
        1.01,
        1.02,
        1.03,
        1.04,
        1.05,
        1.06,
        1.07,
        1.08,
    ]
    # Streak badges, earned on the day the streak reached them.
    assert await my_badges(client, account) == [
        {"badge": {"code": "THREE_DAYS", "criterion": "STREAK_DAYS", "threshold": 3}, "value": 3},
        {"badge": {"code": "EIGHT_DAYS", "criterion": "STREAK_DAYS", "threshold": 8}, "value": 8},
    ]
    # Through the API, today (long after March 2026): the streak has long been lost.
    before = local_day(utcnow(), "Asia/Tokyo", 6)
    streak = (await data(client, account, STREAK))["streak"]
    today = {before.isoformat(), local_day(utcnow(), "Asia/Tokyo", 6).isoformat()}
    assert streak.pop("today") in today
    assert streak == {
        "current": 0,
        "longest": 8,
        "freezesHeld": 0,
        "lastActiveDay": "2026-03-10",
        "activeToday": False,
    }


# ---------------------------------------------------------------------------------------------
# badges
# ---------------------------------------------------------------------------------------------


async def test_admins_create_badges(
    client: httpx.AsyncClient, db: AsyncEngine, account: Account
) -> None:
    admin = await admin_of(client, db)
    created = await mutate(
        client,
        admin,
        CREATE_BADGE,
        input={
            "code": "  FIRST_STEPS ",
            "name": "First steps",
            "criterion": "TASKS_COMPLETED",
            "threshold": 1,
            "description": "Finish a task",
        },
    )
    assert created["errors"] == []
    badge = created["badge"]
    assert from_global_id(badge.pop("id"))[0] == "Badge"
    assert badge == {
        "code": "FIRST_STEPS",
        "name": "First steps",
        "description": "Finish a task",
        "criterion": "TASKS_COMPLETED",
        "threshold": 1,
    }
    largest = await create_badge(client, admin, "A1", "POINTS_TOTAL", 1_000_000)
    assert (largest["code"], largest["threshold"]) == ("A1", 1_000_000)

    refused: list[tuple[dict[str, Any], str, str]] = [
        ({"code": "first_steps"}, "INVALID_BADGE_CODE", "code"),
        ({"code": "A"}, "INVALID_BADGE_CODE", "code"),
        ({"code": "1ST"}, "INVALID_BADGE_CODE", "code"),
        ({"code": "NO-DASH"}, "INVALID_BADGE_CODE", "code"),
        ({"code": "A" * 65}, "INVALID_BADGE_CODE", "code"),
        ({"code": ""}, "INVALID_BADGE_CODE", "code"),
        ({"threshold": 0}, "INVALID_THRESHOLD", "threshold"),
        ({"threshold": -3}, "INVALID_THRESHOLD", "threshold"),
        ({"threshold": 1_000_001}, "INVALID_THRESHOLD", "threshold"),
        ({"code": "FIRST_STEPS"}, "BADGE_CODE_TAKEN", "code"),
        ({"code": " FIRST_STEPS"}, "BADGE_CODE_TAKEN", "code"),
    ]
    valid = {"code": "OTHER", "name": "Other", "criterion": "STREAK_DAYS", "threshold": 5}
    for change, code, field in refused:
        payload = await mutate(client, admin, CREATE_BADGE, input=valid | change)
        assert payload == {"badge": None, "errors": [{"code": code, "field": field}]}, change

    # A student may not create badges; they see the catalog.
    denied = await gql(client, CREATE_BADGE, {"input": valid}, account=account)
    assert [e["extensions"]["code"] for e in denied["errors"]] == ["FORBIDDEN"]
    assert denied["data"] is None
    catalog = (await data(client, account, "{ badges { code threshold } }"))["badges"]
    assert catalog == [
        {"code": "A1", "threshold": 1_000_000},
        {"code": "FIRST_STEPS", "threshold": 1},
    ]
    a_64 = await create_badge(client, admin, "Z" + "9" * 63, "STREAK_DAYS", 1)
    assert len(a_64["code"]) == 64


async def test_a_task_count_badge_is_earned_once(
    client: httpx.AsyncClient,
    db: AsyncEngine,
    account: Account,
    other: Account,
    viewer: Viewer,
    session_factory: Factory,
) -> None:
    admin = await admin_of(client, db)
    await create_badge(client, admin, "TWO_TASKS", "TASKS_COMPLETED", 2)
    await create_badge(client, admin, "TEN_TASKS", "TASKS_COMPLETED", 10)

    async def complete_new() -> None:
        task_id = await create_task(client, account)
        assert (await mutate(client, account, COMPLETE, id=task_id))["errors"] == []

    await complete_new()
    assert await my_badges(client, account) == []
    await complete_new()
    two = {"code": "TWO_TASKS", "criterion": "TASKS_COMPLETED", "threshold": 2}
    assert await my_badges(client, account) == [{"badge": two, "value": 2}]
    await complete_new()
    assert await my_badges(client, account) == [{"badge": two, "value": 2}]
    assert await count_rows(session_factory, EarnedBadge, viewer.user_id) == 1

    # A badge added later is earned on the next event that moves its criterion, not before.
    await create_badge(client, admin, "ONE_TASK", "TASKS_COMPLETED", 1)
    assert await my_badges(client, account) == [{"badge": two, "value": 2}]
    await complete_new()
    one = {"code": "ONE_TASK", "criterion": "TASKS_COMPLETED", "threshold": 1}
    assert await my_badges(client, account) == [
        {"badge": two, "value": 2},
        {"badge": one, "value": 4},
    ]
    assert await my_badges(client, other) == []
    # A skipped task is no completion.
    skipped = await create_task(client, account)
    await mutate(
        client,
        account,
        "mutation ($id: ID!) { skipTask(id: $id) { errors { code } } }",
        id=skipped,
    )
    assert await count_rows(session_factory, EarnedBadge, viewer.user_id) == 2


async def test_a_focus_minutes_badge_counts_the_utc_week(
    client: httpx.AsyncClient,
    db: AsyncEngine,
    account: Account,
    viewer: Viewer,
    session_factory: Factory,
) -> None:
    admin = await admin_of(client, db)
    await create_badge(client, admin, "FOCUS_50", "FOCUS_MINUTES_IN_WEEK", 50)
    hard = await new_task(session_factory, viewer, Difficulty.HARD)
    # Saturday of the week before T0 (Monday 2026-03-02): 40 minutes, another week.
    await run_session(session_factory, viewer, T0 - timedelta(days=2), end_after=40)
    await run_session(session_factory, viewer, T0, end_after=30)
    assert await my_badges(client, account) == []
    # An abandoned hour does not count.
    await run_session(
        session_factory, viewer, T0 + 60 * MINUTE, end_after=60, ending=FocusStatus.ABANDONED
    )
    assert await my_badges(client, account) == []
    # 35 minutes with 10 paused: 25 focused, 55 this week.
    await run_session(
        session_factory, viewer, T0 + 180 * MINUTE, pauses=[(5, 15)], end_after=35, task_id=hard
    )
    # Focus awards: 40 min, EASY without a task: 15 x 1.01; Monday after a missed Sunday,
    # a new streak: 15 x 1.01; 25 focused minutes on the HARD task: 10 x 2 x 1.01.
    entries = await history(client, account)
    assert [
        (
            e["sourceKind"],
            e["reason"],
            e["day"],
            e["amount"],
            e["inputs"]["minutes"],
            e["inputs"]["difficulty"],
            e["inputs"]["dailyCap"],
        )
        for e in entries
    ] == [
        ("FOCUS_SESSION", "FOCUS_SESSION_COMPLETED", "2026-02-28", 15, 40, "EASY", 300),
        ("FOCUS_SESSION", "FOCUS_SESSION_COMPLETED", "2026-03-02", 15, 30, "EASY", 300),
        ("FOCUS_SESSION", "FOCUS_SESSION_COMPLETED", "2026-03-02", 20, 25, "HARD", 300),
    ]
    assert await stored_balance(session_factory, viewer.user_id) == (50, 50, 35, 35)
    # The second session of the day brought the week to 55 minutes.
    assert await my_badges(client, account) == [
        {
            "badge": {"code": "FOCUS_50", "criterion": "FOCUS_MINUTES_IN_WEEK", "threshold": 50},
            "value": 55,
        }
    ]


async def test_a_focus_session_alone_reaching_the_threshold_earns_the_badge(
    client: httpx.AsyncClient,
    db: AsyncEngine,
    account: Account,
    viewer: Viewer,
    session_factory: Factory,
) -> None:
    admin = await admin_of(client, db)
    await create_badge(client, admin, "FOCUS_50", "FOCUS_MINUTES_IN_WEEK", 50)
    await run_session(session_factory, viewer, T0, end_after=50, planned_minutes=60)
    badge = {"code": "FOCUS_50", "criterion": "FOCUS_MINUTES_IN_WEEK", "threshold": 50}
    assert await my_badges(client, account) == [{"badge": badge, "value": 50}]
    # A session that ended in the next week (Monday 2026-03-09, UTC) starts a new sum.
    await run_session(session_factory, viewer, T0 + timedelta(days=7), end_after=5)
    assert await my_badges(client, account) == [{"badge": badge, "value": 50}]
    assert await count_rows(session_factory, EarnedBadge, viewer.user_id) == 1


async def test_badge_texts_longer_than_their_columns_are_refused(
    client: httpx.AsyncClient, db: AsyncEngine, account: Account
) -> None:
    # badges.name is VARCHAR(100) and badges.description VARCHAR(500).
    admin = await admin_of(client, db)
    valid = {"code": "LONG", "criterion": "STREAK_DAYS", "threshold": 1}
    at_limit = await mutate(
        client, admin, CREATE_BADGE, input=valid | {"name": "N" * 100, "description": "d" * 500}
    )
    assert at_limit["errors"] == []
    assert (len(at_limit["badge"]["name"]), len(at_limit["badge"]["description"])) == (100, 500)
    too_long: list[tuple[dict[str, Any], str, str]] = [
        ({"name": "N" * 101}, "TITLE_TOO_LONG", "name"),
        ({"name": "N", "description": "d" * 501}, "TEXT_TOO_LONG", "description"),
    ]
    for change, code, field in too_long:
        payload = await mutate(
            client, admin, CREATE_BADGE, input=valid | {"code": "LONGER"} | change
        )
        assert payload == {"badge": None, "errors": [{"code": code, "field": field}]}, field
    catalog = (await data(client, account, "{ badges { code } }"))["badges"]
    assert catalog == [{"code": "LONG"}]
