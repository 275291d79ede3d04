"""The published rules of points, levels and calendar periods: pure functions only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from db.models.goals import Difficulty
from db.models.points import SourceKind

BASE_POINTS = 10
POINTS_PER_HALF_HOUR = 5
EARLY_BONUS = 10
DIFFICULTY_MULTIPLIER = {Difficulty.EASY: 1.0, Difficulty.MEDIUM: 1.5, Difficulty.HARD: 2.0}
# Most points one kind of source may earn a user in one of their days: completing many
# tiny tasks or starting and stopping focus sessions cannot farm without end.
DAILY_CAP = {SourceKind.TASK: 500, SourceKind.FOCUS_SESSION: 300}
# Going from level L to L + 1 takes XP_PER_LEVEL x L points.
XP_PER_LEVEL = 100


@dataclass(frozen=True)
class AwardInputs:
    """Everything the formula used, stored with the award and shown in `pointHistory`."""

    minutes: int
    early: bool
    difficulty: Difficulty
    streak_days: int
    base: int
    minute_bonus: int
    early_bonus: int
    difficulty_multiplier: float
    streak_multiplier: float
    computed: int
    daily_cap: int
    earned_today_before: int
    awarded: int

    def to_json(self) -> dict[str, Any]:
        # Its fields are plain values: a copy of them, without `asdict`'s deep copies.
        return dict(vars(self))


def compute_award(
    kind: SourceKind,
    *,
    minutes: int,
    early: bool,
    difficulty: Difficulty,
    streak_days: int,
    earned_today: int,
) -> AwardInputs:
    """(10 + 5 per full 30 min + 10 if early) x difficulty x (1 + streak/100), rounded
    half up, then cut to what is left of the day's cap for this kind of source."""
    minute_bonus = POINTS_PER_HALF_HOUR * (max(minutes, 0) // 30)
    early_bonus = EARLY_BONUS if early else 0
    multiplier = DIFFICULTY_MULTIPLIER[difficulty]
    streak_multiplier = 1 + streak_days / 100
    exact = (
        Decimal(BASE_POINTS + minute_bonus + early_bonus)
        * Decimal(str(multiplier))
        * (1 + Decimal(streak_days) / 100)
    )
    computed = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    cap = DAILY_CAP[kind]
    awarded = max(0, min(computed, cap - earned_today))
    return AwardInputs(
        minutes=minutes,
        early=early,
        difficulty=difficulty,
        streak_days=streak_days,
        base=BASE_POINTS,
        minute_bonus=minute_bonus,
        early_bonus=early_bonus,
        difficulty_multiplier=multiplier,
        streak_multiplier=streak_multiplier,
        computed=computed,
        daily_cap=cap,
        earned_today_before=earned_today,
        awarded=awarded,
    )


def xp_to_reach(level: int) -> int:
    """Total XP at which `level` begins: 0, 100, 300, 600, 1000, …"""
    return XP_PER_LEVEL * level * (level - 1) // 2


def level_of(xp: int) -> int:
    level = max(1, int((1 + math.sqrt(1 + 8 * max(xp, 0) / XP_PER_LEVEL)) / 2))
    # Correct the float estimate at the exact boundaries.
    while xp_to_reach(level + 1) <= xp:
        level += 1
    while level > 1 and xp_to_reach(level) > xp:
        level -= 1
    return level


def local_day(at: datetime, time_zone: str, day_start_hour: int) -> date:
    """The user's calendar day of an instant: their time zone, with the day beginning at
    their day-start hour (a 1 a.m. session of someone starting days at 4 counts for the
    day before)."""
    local = at.astimezone(ZoneInfo(time_zone))
    return (local - timedelta(hours=day_start_hour)).date()


def week_start(day: date) -> date:
    """Leaderboard and league weeks are ISO weeks in UTC (Monday to Sunday) for everyone,
    so that a weekly ranking compares the same seven days."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)
