"""A user's calendar as the planner's timeline: whole minutes from the plan's origin.

Days follow the user's time zone and day-start hour: with a day start of 4, Tuesday's
plan runs from Tuesday 04:00 to Wednesday 04:00 local time. Study windows are wall-clock
times per weekday, so they stay at 18:00 across a change to or from summer time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.models.users import Preferences
from ml.planning import Interval

# Plans start on a round minute, so slot times read well.
GRANULE_MINUTES = 5


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    day_start_hour: int
    windows: tuple[tuple[int, int, int], ...]  # (weekday, start minute, end minute)

    @classmethod
    def of(cls, preferences: Preferences) -> Calendar:
        return cls(
            zone=ZoneInfo(preferences.time_zone),
            day_start_hour=preferences.day_start_hour,
            windows=tuple(
                (int(w["weekday"]), int(w["start"]), int(w["end"]))
                for w in preferences.study_windows
            ),
        )

    def day_start(self, day: date) -> datetime:
        """When the user's `day` begins, in UTC."""
        local = datetime.combine(day, time(self.day_start_hour), tzinfo=self.zone)
        return local.astimezone(UTC)

    def day_of(self, moment: datetime) -> date:
        """The user's day that `moment` falls in."""
        local = moment.astimezone(self.zone)
        return (local - timedelta(hours=self.day_start_hour)).date()

    def window_times(self, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        """The study windows' occurrences clipped to [since, until), in time order."""
        found = []
        first = since.astimezone(self.zone).date() - timedelta(days=1)
        last = until.astimezone(self.zone).date()
        day = first
        while day <= last:
            midnight = datetime.combine(day, time(0), tzinfo=self.zone)
            for weekday, start, end in self.windows:
                if weekday != day.weekday():
                    continue
                # Wall-clock arithmetic on an aware datetime, then to UTC: a window keeps
                # its local hours on the day the clocks change.
                begins = (midnight + timedelta(minutes=start)).astimezone(UTC)
                ends = (midnight + timedelta(minutes=end)).astimezone(UTC)
                begins, ends = max(begins, since), min(ends, until)
                if begins < ends:
                    found.append((begins, ends))
            day += timedelta(days=1)
        return _merged(found)

    def hour_times(
        self, hours: Iterable[int], since: datetime, until: datetime
    ) -> list[tuple[datetime, datetime]]:
        """Every occurrence of the given local hours within [since, until)."""
        wanted = set(hours)
        found = []
        day = since.astimezone(self.zone).date() - timedelta(days=1)
        while day <= until.astimezone(self.zone).date():
            for hour in sorted(wanted):
                begins = datetime.combine(day, time(hour), tzinfo=self.zone).astimezone(UTC)
                ends = begins + timedelta(hours=1)
                begins, ends = max(begins, since), min(ends, until)
                if begins < ends:
                    found.append((begins, ends))
            day += timedelta(days=1)
        return sorted(found)


@dataclass(frozen=True)
class Timeline:
    origin: datetime  # minute 0, UTC, on a granule

    @classmethod
    def starting(cls, moment: datetime) -> Timeline:
        """A timeline whose origin is `moment` rounded up to the next granule."""
        moment = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(
            minutes=1 if moment.second or moment.microsecond else 0
        )
        late = moment.minute % GRANULE_MINUTES
        if late:
            moment += timedelta(minutes=GRANULE_MINUTES - late)
        return cls(moment)

    def minute(self, moment: datetime) -> int:
        """Whole minutes from the origin; a moment inside a minute counts from its start."""
        return int((moment - self.origin).total_seconds() // 60)

    def moment(self, minute: int) -> datetime:
        return self.origin + timedelta(minutes=minute)

    def intervals(self, spans: Sequence[tuple[datetime, datetime]]) -> tuple[Interval, ...]:
        return tuple(Interval(self.minute(a), self.minute(b)) for a, b in spans)


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted, with touching spans joined: 09-10 and 10-12 are one window, 09-12."""
    merged: list[tuple[datetime, datetime]] = []
    for begins, ends in sorted(spans):
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return merged


def subtract(
    spans: Sequence[tuple[datetime, datetime]], taken: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """`spans` less every part covered by `taken` (both sorted or not; the result sorted)."""
    free = sorted(spans)
    for begins, ends in sorted(taken):
        kept = []
        for a, b in free:
            if ends <= a or begins >= b:
                kept.append((a, b))
                continue
            if a < begins:
                kept.append((a, begins))
            if ends < b:
                kept.append((ends, b))
        free = kept
    return free
