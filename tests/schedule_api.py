"""Helpers that set study windows, plan, move and lock slots through the API, as clients do."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx

from tests.accounts import Account, gql
from tests.study_api import mutate

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

PREFERENCES = """mutation ($input: PreferencesInput!) {
  updatePreferences(input: $input) { errors { code field } } }"""
GENERATE = """mutation ($from: Date, $days: Int!) {
  generateSchedule(from: $from, days: $days) { job { id status } errors { code field } } }"""
RESCHEDULE = """mutation ($taskId: ID!, $start: DateTime!) {
  rescheduleTask(taskId: $taskId, start: $start) {
    slot { id kind startAt endAt locked reason task { id } } errors { code field } } }"""
LOCK = """mutation ($slotId: ID!) { lockSlot(slotId: $slotId) {
  slot { id locked } errors { code field } } }"""
UNLOCK = """mutation ($slotId: ID!) { unlockSlot(slotId: $slotId) {
  slot { id locked } errors { code field } } }"""
WEEK = """query ($weekStart: Date!) { weekSchedule(weekStart: $weekStart) {
  weekStart days { date startsAt endsAt
    slots { id kind startAt endAt locked reason task { id } } } } }"""
DAY = """query ($date: Date!) { schedule(date: $date) {
  date startsAt endsAt slots { id kind startAt endAt locked reason task { id } } } }"""
STATUS = "{ planStatus { version plannedAt atRisk { code reason task { id } } } }"


def tomorrow() -> date:
    return datetime.now(UTC).date() + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


async def set_windows(
    client: httpx.AsyncClient,
    account: Account,
    spans: list[tuple[str, str]],
    **preferences: Any,
) -> None:
    """The same windows ("HH:MM", "HH:MM") every day, in UTC with the day starting at 04:00."""
    windows = [
        {"weekday": day, "start": f"{start}:00", "end": f"{end}:00"}
        for day in WEEKDAYS
        for start, end in spans
    ]
    values = {"timeZone": "UTC", "dayStartHour": 4, "studyWindows": windows} | preferences
    payload = await mutate(client, account, PREFERENCES, input=values)
    assert payload["errors"] == [], payload


async def generate(
    client: httpx.AsyncClient, account: Account, first_day: date | None, days: int
) -> dict[str, Any]:
    return await mutate(
        client,
        account,
        GENERATE,
        days=days,
        **{"from": None if first_day is None else first_day.isoformat()},
    )


async def week(client: httpx.AsyncClient, account: Account, first_day: date) -> dict[str, Any]:
    body = await gql(client, WEEK, {"weekStart": first_day.isoformat()}, account)
    assert "errors" not in body, body
    return dict(body["data"]["weekSchedule"])


async def task_slots(
    client: httpx.AsyncClient, account: Account, first_day: date
) -> list[tuple[str, str, str | None]]:
    """(kind, start, task id) of every slot of the week from `first_day`."""
    found = await week(client, account, first_day)
    return [
        (slot["kind"], slot["startAt"], slot["task"] and slot["task"]["id"])
        for day in found["days"]
        for slot in day["slots"]
    ]


async def day_slots(
    client: httpx.AsyncClient, account: Account, day: date
) -> list[tuple[str, str, str | None]]:
    """(kind, start, task id) of every slot of one day."""
    body = await gql(client, DAY, {"date": day.isoformat()}, account)
    assert "errors" not in body, body
    return [
        (slot["kind"], slot["startAt"], slot["task"] and slot["task"]["id"])
        for slot in body["data"]["schedule"]["slots"]
    ]


async def plan_status(client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    body = await gql(client, STATUS, {}, account)
    assert "errors" not in body, body
    return dict(body["data"]["planStatus"])
