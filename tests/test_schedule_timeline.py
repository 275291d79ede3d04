"""The calendar behind plans: the user's days, study windows across clock changes, the
planner's minute timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from resolvers.schedules.timeline import Calendar, Timeline, subtract

# The same outcome whatever servers the suite runs against: run on the embedded default only.
pytestmark = pytest.mark.no_servers

PARIS = ZoneInfo("Europe/Paris")


def calendar(
    zone: str = "Europe/Paris", day_start: int = 4, windows: Sequence[tuple[int, int, int]] = ()
) -> Calendar:
    return Calendar(zone=ZoneInfo(zone), day_start_hour=day_start, windows=tuple(windows))


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_a_day_runs_from_the_day_start_hour_to_the_next_in_local_time() -> None:
    paris = calendar(day_start=4)
    # Winter: Paris is UTC+1.
    assert paris.day_start(date(2026, 1, 13)) == utc(2026, 1, 13, 3)
    assert paris.day_of(utc(2026, 1, 13, 2, 59)) == date(2026, 1, 12)
    assert paris.day_of(utc(2026, 1, 13, 3, 0)) == date(2026, 1, 13)
    tokyo = calendar("Asia/Tokyo", day_start=0)
    assert tokyo.day_of(utc(2026, 1, 13, 15, 0)) == date(2026, 1, 14)


def test_windows_keep_their_local_hours_across_a_clock_change() -> None:
    # Mondays 18:00-20:00 local. Summer time in Paris begins on Sunday 29 March 2026.
    paris = calendar(windows=[(0, 18 * 60, 20 * 60)])
    found = paris.window_times(utc(2026, 3, 22), utc(2026, 4, 1))
    assert found == [
        (utc(2026, 3, 23, 17), utc(2026, 3, 23, 19)),  # UTC+1
        (utc(2026, 3, 30, 16), utc(2026, 3, 30, 18)),  # UTC+2
    ]


def test_windows_are_clipped_to_the_span_asked_for() -> None:
    every_day = calendar("UTC", windows=[(d, 9 * 60, 12 * 60) for d in range(7)])
    found = every_day.window_times(utc(2026, 5, 4, 10, 30), utc(2026, 5, 5, 11))
    assert found == [
        (utc(2026, 5, 4, 10, 30), utc(2026, 5, 4, 12)),
        (utc(2026, 5, 5, 9), utc(2026, 5, 5, 11)),
    ]


def test_touching_windows_make_one() -> None:
    # Monday 22:00-24:00 and Tuesday 00:00-02:00; 09:00-10:00 and 10:00-12:00 on Tuesday.
    late = calendar(
        "UTC", windows=[(0, 22 * 60, 24 * 60), (1, 0, 120), (1, 540, 600), (1, 600, 720)]
    )
    assert late.window_times(utc(2026, 5, 4), utc(2026, 5, 6)) == [
        (utc(2026, 5, 4, 22), utc(2026, 5, 5, 2)),
        (utc(2026, 5, 5, 9), utc(2026, 5, 5, 12)),
    ]


def test_peak_hours_are_found_on_every_day_of_the_span() -> None:
    paris = calendar()
    found = paris.hour_times([9], utc(2026, 7, 1, 0), utc(2026, 7, 3, 0))
    # Summer: 09:00 in Paris is 07:00 UTC.
    assert found == [
        (utc(2026, 7, 1, 7), utc(2026, 7, 1, 8)),
        (utc(2026, 7, 2, 7), utc(2026, 7, 2, 8)),
    ]


def test_a_timeline_starts_on_the_next_round_five_minutes() -> None:
    assert Timeline.starting(utc(2026, 5, 4, 10, 0)).origin == utc(2026, 5, 4, 10, 0)
    assert Timeline.starting(utc(2026, 5, 4, 10, 0, 1)).origin == utc(2026, 5, 4, 10, 5)
    assert Timeline.starting(utc(2026, 5, 4, 10, 56, 30)).origin == utc(2026, 5, 4, 11, 0)
    line = Timeline.starting(utc(2026, 5, 4, 10, 0))
    assert line.minute(utc(2026, 5, 4, 12, 30)) == 150
    assert line.moment(150) == utc(2026, 5, 4, 12, 30)
    assert line.minute(utc(2026, 5, 4, 9, 59)) == -1


def test_subtract_cuts_taken_time_out_of_free_time() -> None:
    base = utc(2026, 5, 4)

    def at(minutes: int) -> datetime:
        return base + timedelta(minutes=minutes)

    free = subtract([(at(0), at(100)), (at(200), at(300))], [(at(20), at(40)), (at(90), at(210))])
    assert free == [(at(0), at(20)), (at(40), at(90)), (at(210), at(300))]
