"""The published rules of gamification as pure functions: the award formula and the daily cap,
the level curve, the user's own calendar day, and streaks with their freezes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from db.models.goals import Difficulty
from db.models.points import SourceKind
from resolvers.gamification.rules import (
    AwardInputs,
    compute_award,
    level_of,
    local_day,
    month_start,
    week_start,
    xp_to_reach,
)
from resolvers.gamification.streaks import StreakState, record_day, settle

# The same outcome whatever servers the suite runs against: run on the embedded default only.
pytestmark = pytest.mark.no_servers

EASY, MEDIUM, HARD = Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD
TASK, FOCUS = SourceKind.TASK, SourceKind.FOCUS_SESSION
D = date(2026, 3, 2)
DAY = timedelta(days=1)


def award(
    kind: SourceKind = TASK,
    *,
    minutes: int = 0,
    early: bool = False,
    difficulty: Difficulty = EASY,
    streak: int = 0,
    earned: int = 0,
) -> AwardInputs:
    return compute_award(
        kind,
        minutes=minutes,
        early=early,
        difficulty=difficulty,
        streak_days=streak,
        earned_today=earned,
    )


# ---------------------------------------------------------------------------------------------
# the award formula
# ---------------------------------------------------------------------------------------------


def test_every_input_of_an_award_is_kept() -> None:
    inputs = award(minutes=75, early=True, difficulty=HARD, streak=3, earned=40)
    # (10 + 5 x 2 + 10) x 2 x 1.03 = 61.8
    assert inputs == AwardInputs(
        minutes=75,
        early=True,
        difficulty=HARD,
        streak_days=3,
        base=10,
        minute_bonus=10,
        early_bonus=10,
        difficulty_multiplier=2.0,
        streak_multiplier=1.03,
        computed=62,
        daily_cap=500,
        earned_today_before=40,
        awarded=62,
    )
    assert inputs.to_json() == {
        "minutes": 75,
        "early": True,
        "difficulty": "HARD",
        "streak_days": 3,
        "base": 10,
        "minute_bonus": 10,
        "early_bonus": 10,
        "difficulty_multiplier": 2.0,
        "streak_multiplier": 1.03,
        "computed": 62,
        "daily_cap": 500,
        "earned_today_before": 40,
        "awarded": 62,
    }


@pytest.mark.parametrize(
    ("minutes", "minute_bonus"),
    [(-20, 0), (0, 0), (29, 0), (30, 5), (59, 5), (60, 10), (89, 10), (90, 15), (1440, 240)],
)
def test_the_minute_bonus_counts_full_half_hours(minutes: int, minute_bonus: int) -> None:
    inputs = award(minutes=minutes)
    assert (inputs.minute_bonus, inputs.computed, inputs.awarded) == (
        minute_bonus,
        10 + minute_bonus,
        10 + minute_bonus,
    )


@pytest.mark.parametrize(
    ("minutes", "early", "difficulty", "streak", "computed"),
    [
        (0, False, EASY, 0, 10),
        (0, False, MEDIUM, 0, 15),
        (0, False, HARD, 0, 20),
        (0, True, EASY, 0, 20),
        (0, True, HARD, 0, 40),
        (45, True, MEDIUM, 0, 38),  # 25 x 1.5 = 37.5
        (30, False, MEDIUM, 0, 23),  # 22.5: half up, not to even (22)
        (0, False, EASY, 5, 11),  # 10.5
        (0, False, MEDIUM, 10, 17),  # 16.5
        (0, False, EASY, 4, 10),  # 10.4
        (0, False, EASY, 6, 11),  # 10.6
        (0, False, MEDIUM, 1, 15),  # 15.15
        # Exactly .5 where a float product is just below it: 31.4999... and 56.4999...
        (30, False, MEDIUM, 40, 32),  # 15 x 1.5 x 1.4 = 31.5
        (30, True, HARD, 13, 57),  # 25 x 2 x 1.13 = 56.5
        (0, False, EASY, 100, 20),
        (120, True, HARD, 250, 280),  # 40 x 2 x 3.5
    ],
)
def test_award_values(
    minutes: int, early: bool, difficulty: Difficulty, streak: int, computed: int
) -> None:
    inputs = award(minutes=minutes, early=early, difficulty=difficulty, streak=streak)
    assert (inputs.computed, inputs.awarded) == (computed, computed)
    assert inputs.early_bonus == (10 if early else 0)
    assert inputs.streak_multiplier == 1 + streak / 100


@pytest.mark.parametrize(
    ("kind", "earned", "awarded"),
    [
        (TASK, 0, 23),
        (TASK, 476, 23),
        (TASK, 477, 23),  # exactly what is left
        (TASK, 478, 22),
        (TASK, 490, 10),
        (TASK, 499, 1),
        (TASK, 500, 0),
        (TASK, 650, 0),
        (FOCUS, 276, 23),
        (FOCUS, 277, 23),
        (FOCUS, 290, 10),
        (FOCUS, 300, 0),
        (FOCUS, 480, 0),
    ],
)
def test_the_daily_cap_cuts_to_what_is_left(kind: SourceKind, earned: int, awarded: int) -> None:
    inputs = award(kind, minutes=30, difficulty=MEDIUM, earned=earned)
    assert (inputs.computed, inputs.daily_cap, inputs.earned_today_before, inputs.awarded) == (
        23,
        {TASK: 500, FOCUS: 300}[kind],
        earned,
        awarded,
    )


def test_one_award_bigger_than_the_cap_is_cut_to_it() -> None:
    # (10 + 240) x 2 x 1.5 = 750 points computed for one whole-day task.
    inputs = award(minutes=1440, difficulty=HARD, streak=50)
    assert (inputs.computed, inputs.awarded) == (750, 500)
    focus = award(FOCUS, minutes=1440, difficulty=HARD, streak=50, earned=100)
    assert (focus.computed, focus.awarded) == (750, 200)


def test_award_kinds_without_a_cap_are_not_awards() -> None:
    with pytest.raises(KeyError):
        award(SourceKind.REDEMPTION)


# ---------------------------------------------------------------------------------------------
# levels
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "xp"),
    [(1, 0), (2, 100), (3, 300), (4, 600), (5, 1000), (10, 4500), (100, 495_000)],
)
def test_xp_to_reach(level: int, xp: int) -> None:
    assert xp_to_reach(level) == xp


@pytest.mark.parametrize(
    ("xp", "level"),
    [
        (-50, 1),
        (0, 1),
        (1, 1),
        (99, 1),
        (100, 2),
        (101, 2),
        (299, 2),
        (300, 3),
        (599, 3),
        (600, 4),
        (999, 4),
        (1000, 5),
        (4499, 9),
        (4500, 10),
        (494_999, 99),
        (495_000, 100),
        (495_001, 100),
        (4_999_499_999, 9_999),
        (4_999_500_000, 10_000),
        (10**18, 141_421_356),
    ],
)
def test_level_of(xp: int, level: int) -> None:
    assert level_of(xp) == level


def test_every_level_begins_exactly_at_its_xp() -> None:
    for level in [*range(2, 2001), 10**6, 10**7 + 1, 123_456_789]:
        start = xp_to_reach(level)
        assert level_of(start) == level, level
        assert level_of(start - 1) == level - 1, level
        assert level_of(start + 1) == level, level
    assert xp_to_reach(141_421_356) <= 10**18 < xp_to_reach(141_421_357)


# ---------------------------------------------------------------------------------------------
# the user's own day
# ---------------------------------------------------------------------------------------------


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "time_zone", "day_start_hour", "day"),
    [
        (utc(2026, 3, 2, 3, 59), "UTC", 4, date(2026, 3, 1)),
        (utc(2026, 3, 2, 4, 0), "UTC", 4, date(2026, 3, 2)),
        (utc(2026, 3, 2, 0, 0), "UTC", 0, date(2026, 3, 2)),
        (utc(2026, 3, 1, 23, 59), "UTC", 0, date(2026, 3, 1)),
        (utc(2026, 3, 2, 22, 0), "UTC", 23, date(2026, 3, 1)),
        (utc(2026, 3, 2, 23, 0), "UTC", 23, date(2026, 3, 2)),
        # 01:30 in Paris (UTC+1 in March) with days starting at 4 is the day before.
        (utc(2026, 3, 2, 0, 30), "Europe/Paris", 4, date(2026, 3, 1)),
        (utc(2026, 3, 2, 0, 30), "Europe/Paris", 0, date(2026, 3, 2)),
        (utc(2026, 3, 2, 3, 0), "Europe/Paris", 4, date(2026, 3, 2)),
        # One instant, two users: 01:00 of the 2nd in Los Angeles, 22:00 of the 2nd in Auckland.
        (utc(2026, 3, 2, 9, 0), "America/Los_Angeles", 4, date(2026, 3, 1)),
        (utc(2026, 3, 2, 9, 0), "Pacific/Auckland", 4, date(2026, 3, 2)),
        (utc(2026, 3, 2, 9, 0), "America/Los_Angeles", 0, date(2026, 3, 2)),
        # 12:00 of the 2nd in Los Angeles, 09:00 of the 3rd in Auckland.
        (utc(2026, 3, 2, 20, 0), "America/Los_Angeles", 4, date(2026, 3, 2)),
        (utc(2026, 3, 2, 20, 0), "Pacific/Auckland", 4, date(2026, 3, 3)),
        # 05:30 / 06:30 of the 3rd in Tokyo with days starting at 6.
        (utc(2026, 3, 2, 20, 30), "Asia/Tokyo", 6, date(2026, 3, 2)),
        (utc(2026, 3, 2, 21, 30), "Asia/Tokyo", 6, date(2026, 3, 3)),
        # Half-hour offsets: 03:59 and 04:00 in Kolkata (UTC+5:30).
        (utc(2026, 3, 1, 22, 29), "Asia/Kolkata", 4, date(2026, 3, 1)),
        (utc(2026, 3, 1, 22, 30), "Asia/Kolkata", 4, date(2026, 3, 2)),
        # The morning clocks go forward in New York, 03:30 EDT is still the day before.
        (utc(2026, 3, 8, 7, 30), "America/New_York", 4, date(2026, 3, 7)),
        (utc(2026, 3, 8, 8, 0), "America/New_York", 4, date(2026, 3, 8)),
    ],
)
def test_local_day(at: datetime, time_zone: str, day_start_hour: int, day: date) -> None:
    assert local_day(at, time_zone, day_start_hour) == day


def test_an_instant_given_in_another_offset_is_the_same_instant() -> None:
    # 10:00 UTC written as 05:00 at UTC-5: 02:00 in Los Angeles, 23:00 in Auckland.
    at = datetime(2026, 3, 2, 5, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert local_day(at, "America/Los_Angeles", 4) == date(2026, 3, 1)
    assert local_day(at, "America/Los_Angeles", 2) == date(2026, 3, 2)
    assert local_day(at, "Pacific/Auckland", 4) == date(2026, 3, 2)
    assert local_day(at, "Pacific/Auckland", 0) == date(2026, 3, 2)
    assert local_day(at + timedelta(hours=1), "Pacific/Auckland", 0) == date(2026, 3, 3)


def test_weeks_and_months() -> None:
    assert [week_start(date(2026, 3, d)) for d in (1, 2, 3, 8, 9)] == [
        date(2026, 2, 23),
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2026, 3, 9),
    ]
    assert week_start(date(2027, 1, 1)) == date(2026, 12, 28)
    assert [month_start(date(2026, m, d)) for m, d in ((3, 1), (3, 31), (2, 28))] == [
        date(2026, 3, 1),
        date(2026, 3, 1),
        date(2026, 2, 1),
    ]


# ---------------------------------------------------------------------------------------------
# streaks
# ---------------------------------------------------------------------------------------------


def run(days: list[date], state: StreakState | None = None) -> StreakState:
    state = state or StreakState()
    for day in days:
        state = record_day(state, day)
    return state


def test_consecutive_days_grow_the_streak() -> None:
    assert record_day(StreakState(), D) == StreakState(1, 1, 0, 1, D)
    assert run([D, D + DAY, D + 2 * DAY]) == StreakState(3, 3, 0, 3, D + 2 * DAY)


def test_the_same_day_counts_once() -> None:
    once = run([D, D + DAY])
    assert record_day(once, D + DAY) == once
    # A late event for a day already behind the last active one changes nothing either.
    assert record_day(once, D) == once
    assert record_day(once, D - 5 * DAY) == once


def test_a_missed_day_without_a_freeze_restarts_the_streak() -> None:
    state = StreakState(current=3, longest=3, freezes=0, active_days=3, last_active_day=D)
    assert settle(state, D + DAY) == state
    assert settle(state, D + 2 * DAY) == StreakState(0, 3, 0, 3, D)
    assert record_day(state, D + 2 * DAY) == StreakState(1, 3, 0, 4, D + 2 * DAY)


def test_a_freeze_covers_a_missed_day() -> None:
    state = StreakState(current=3, longest=3, freezes=1, active_days=3, last_active_day=D)
    # Settled on the day after the missed one: the freeze fills the gap.
    assert settle(state, D + 2 * DAY) == StreakState(3, 3, 0, 3, D + DAY)
    assert record_day(state, D + 2 * DAY) == StreakState(4, 4, 0, 4, D + 2 * DAY)


def test_two_missed_days_with_one_freeze_lose_the_streak_and_keep_the_freeze() -> None:
    state = StreakState(current=3, longest=3, freezes=1, active_days=3, last_active_day=D)
    assert settle(state, D + 3 * DAY) == StreakState(0, 3, 1, 3, D)
    assert record_day(state, D + 3 * DAY) == StreakState(1, 3, 1, 4, D + 3 * DAY)


def test_two_missed_days_with_two_freezes_keep_the_streak() -> None:
    state = StreakState(current=5, longest=9, freezes=2, active_days=18, last_active_day=D)
    assert settle(state, D + 3 * DAY) == StreakState(5, 9, 0, 18, D + 2 * DAY)
    assert record_day(state, D + 3 * DAY) == StreakState(6, 9, 0, 19, D + 3 * DAY)
    # Three missed days are one more than the freezes held.
    assert settle(state, D + 4 * DAY) == StreakState(0, 9, 2, 18, D)


def test_no_freeze_is_spent_on_a_streak_already_lost() -> None:
    lost = StreakState(current=0, longest=4, freezes=2, active_days=4, last_active_day=D)
    assert settle(lost, D + 2 * DAY) == lost
    assert record_day(lost, D + 2 * DAY) == StreakState(1, 4, 2, 5, D + 2 * DAY)


def test_every_seventh_active_day_earns_a_freeze_up_to_two() -> None:
    days = [D + i * DAY for i in range(22)]
    states = []
    state = StreakState()
    for day in days:
        state = record_day(state, day)
        states.append(state)
    assert [s.freezes for s in states] == [0] * 6 + [1] * 7 + [2] * 9
    assert states[-1] == StreakState(22, 22, 2, 22, days[-1])


def test_freezes_count_active_days_not_the_current_streak() -> None:
    # Six active days long ago, then a new streak: its first day is the 7th active one.
    state = StreakState(current=0, longest=6, freezes=0, active_days=6, last_active_day=D)
    assert record_day(state, D + 10 * DAY) == StreakState(1, 6, 1, 7, D + 10 * DAY)


def test_a_freeze_spent_and_one_earned_on_the_same_day() -> None:
    state = StreakState(current=6, longest=6, freezes=1, active_days=6, last_active_day=D)
    assert record_day(state, D + 2 * DAY) == StreakState(7, 7, 1, 7, D + 2 * DAY)


def test_the_longest_streak_is_kept() -> None:
    state = run([D + i * DAY for i in range(5)])
    assert state == StreakState(5, 5, 0, 5, D + 4 * DAY)
    after_break = run([D + 7 * DAY, D + 8 * DAY], state)
    # The 7th active day earns a freeze even though the streak restarted.
    assert after_break == StreakState(2, 5, 1, 7, D + 8 * DAY)
    beyond = run([D + (9 + i) * DAY for i in range(4)], after_break)
    assert beyond == StreakState(6, 6, 1, 11, D + 12 * DAY)
