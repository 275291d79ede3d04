"""SQL of the points ledger, balances and streaks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, exists, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from core.ids import new_id
from db.base import utcnow
from db.models.points import EntryKind, PointBalance, PointEntry, SourceKind, Streak
from db.models.users import User
from db.repositories.base import Page, Repository
from db.repositories.dialect import insert_or_ignore, insert_or_lock, insert_or_lock_on
from db.repositories.driver import DriverStatement

BALANCE_COLUMNS = (
    "user_id",
    "balance",
    "total",
    "weekly",
    "week_start",
    "monthly",
    "month_start",
    "earned_day",
    "earned_today",
)
_WEEK = timedelta(days=7)
_BALANCES: Table = PointBalance.__table__  # type: ignore[assignment]
_ENTRIES: Table = PointEntry.__table__  # type: ignore[assignment]
_BALANCE_CHANGE: dict[str, Any] = {
    name: bindparam(f"new_{name}") for name in (*BALANCE_COLUMNS[1:], "updated_at")
}
_SAVE_BALANCE = (
    update(_BALANCES).where(_BALANCES.c.user_id == bindparam("new_user_id")).values(_BALANCE_CHANGE)
)
_ENTRY_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "user_id",
    "kind",
    "amount",
    "reason",
    "source_kind",
    "source_id",
    "day",
    "inputs",
)
# The entry, unless its source has one, and then the balance: the update sees the insert's
# RETURNING, so it changes nothing when the entry was not written.
_NEW_ENTRY = (
    postgresql.insert(_ENTRIES)
    .values({name: bindparam(f"entry_{name}") for name in _ENTRY_COLUMNS})
    .on_conflict_do_nothing()
    .returning(_ENTRIES.c.id)
    .cte("new_entry")
)
_AWARD_POSTGRES = (
    update(_BALANCES)
    .where(_BALANCES.c.user_id == bindparam("new_user_id"), exists(select(_NEW_ENTRY.c.id)))
    .values(_BALANCE_CHANGE)
    .returning(select(_NEW_ENTRY.c.id).scalar_subquery())
    .add_cte(_NEW_ENTRY)
)
_AWARD_ON_DRIVER = DriverStatement(_AWARD_POSTGRES)
_LOCK_ON_DRIVER = DriverStatement(
    insert_or_lock_on("postgresql", PointBalance, "user_id", *BALANCE_COLUMNS).values(
        {name: bindparam(name) for name in (*BALANCE_COLUMNS, "updated_at")}
    )
)


@dataclass(frozen=True, slots=True)
class Balance:
    user_id: uuid.UUID
    balance: int
    total: int
    weekly: int
    week_start: date
    monthly: int
    month_start: date
    earned_day: date | None
    earned_today: dict[str, int]


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A ledger entry to write. `at` dates an award to the activity it is for: weekly and
    monthly sums, the leagues' rollover and the ledger then agree on its period."""

    user_id: uuid.UUID
    kind: EntryKind
    amount: int
    reason: str
    source_kind: SourceKind
    source_id: uuid.UUID
    day: date
    inputs: dict[str, Any] | None = None
    at: datetime | None = None

    def values(self) -> dict[str, Any]:
        now = self.at or utcnow()
        return {
            "id": new_id(),
            "created_at": now,
            "updated_at": now,
            "user_id": self.user_id,
            "kind": self.kind,
            "amount": self.amount,
            "reason": self.reason,
            "source_kind": self.source_kind,
            "source_id": self.source_id,
            "day": self.day,
            "inputs": self.inputs,
        }


class PointRepository(Repository[PointEntry]):
    model = PointEntry

    async def lock_balance(self, user_id: uuid.UUID, week: date, month: date) -> Balance:
        """The user's balance row, created at zero if missing, locked until commit: every
        change of one user's points is serialised on it (SQLite serialises all writers)."""
        zero = _zero_balance(user_id, week, month, utcnow())
        if self.session.get_bind().dialect.name == "postgresql":
            return Balance(*(await _LOCK_ON_DRIVER.fetch(self.session, zero))[0])
        statement = insert_or_lock(self.session, PointBalance, "user_id", *BALANCE_COLUMNS)
        return Balance(*(await self.session.execute(statement, zero)).one())

    async def balance(self, user_id: uuid.UUID) -> Balance | None:
        row = (
            await self.session.execute(
                select(*(_BALANCES.c[name] for name in BALANCE_COLUMNS)).where(
                    PointBalance.user_id == user_id
                )
            )
        ).one_or_none()
        return None if row is None else Balance(*row)

    async def save_balance(self, balance: Balance) -> None:
        await self.session.execute(_SAVE_BALANCE, _balance_values(balance))

    async def add_award(self, balance: Balance, entry: NewEntry) -> uuid.UUID | None:
        """`add_entry(entry)`, and when it wrote the entry, `save_balance(balance)`: the
        entry's id, or None (nothing written). One statement on PostgreSQL, as an award is
        the hottest write there is."""
        if self.session.get_bind().dialect.name != "postgresql":
            entry_id = await self.add_entry(entry)
            if entry_id is not None:
                await self.save_balance(balance)
            return entry_id
        values = _balance_values(balance) | {
            f"entry_{name}": value for name, value in entry.values().items()
        }
        rows = await _AWARD_ON_DRIVER.fetch(self.session, values)
        return rows[0][0] if rows else None

    async def debit(self, user_id: uuid.UUID, amount: int) -> int | None:
        """Takes `amount` from the spendable balance only if it is there, in one statement;
        the balance left, or None when it did not cover the amount."""
        result = await self.session.execute(
            update(PointBalance)
            .where(PointBalance.user_id == user_id, PointBalance.balance >= amount)
            .values(balance=PointBalance.balance - amount, updated_at=utcnow())
            .returning(PointBalance.balance)
        )
        return result.scalar()

    async def credit(self, user_id: uuid.UUID, amount: int) -> None:
        await self.session.execute(
            update(PointBalance)
            .where(PointBalance.user_id == user_id)
            .values(balance=PointBalance.balance + amount, updated_at=utcnow())
        )

    async def add_entry(self, entry: NewEntry) -> uuid.UUID | None:
        """The entry's id, or None when its source has an entry already (nothing written)."""
        result = await self.session.execute(
            insert_or_ignore(self.session, PointEntry, "id"), entry.values()
        )
        return result.scalar()

    async def history(
        self, user_id: uuid.UUID, *, first: int, after: str | None
    ) -> Page[PointEntry]:
        return await self.paginate(
            select(PointEntry).where(PointEntry.user_id == user_id),
            first=first,
            after=after,
            order_by=[PointEntry.id],
        )

    async def holders(self) -> list[uuid.UUID]:
        """Every user with a ledger entry or a balance row, for rebuilding balances."""
        with_entries = select(PointEntry.user_id).distinct()
        with_balance = select(PointBalance.user_id)
        rows = await self.session.scalars(with_entries.union(with_balance))
        return sorted(rows)

    async def lock_many(self, user_ids: list[uuid.UUID], week: date, month: date) -> None:
        """The balance rows of `user_ids`, created at zero where missing, locked until commit."""
        now = utcnow()
        await self.session.execute(
            insert_or_ignore(self.session, PointBalance),
            [_zero_balance(user_id, week, month, now) for user_id in user_ids],
        )
        await self.session.execute(
            select(PointBalance.user_id).where(PointBalance.user_id.in_(user_ids)).with_for_update()
        )

    async def ledger_sums(
        self, user_ids: list[uuid.UUID], week: date, month: date, next_month: date
    ) -> dict[uuid.UUID, tuple[int, int, int, int]]:
        """Per user, from the ledger alone: (balance, total, this week's and this month's
        awards), the periods in UTC as the balances keep them."""
        award = PointEntry.kind == EntryKind.AWARD
        week_end = week + _WEEK
        rows = await self.session.execute(
            select(
                PointEntry.user_id,
                func.sum(PointEntry.amount),
                func.sum(PointEntry.amount).filter(award),
                func.sum(PointEntry.amount).filter(
                    award,
                    PointEntry.created_at >= _midnight(week),
                    PointEntry.created_at < _midnight(week_end),
                ),
                func.sum(PointEntry.amount).filter(
                    award,
                    PointEntry.created_at >= _midnight(month),
                    PointEntry.created_at < _midnight(next_month),
                ),
            )
            .where(PointEntry.user_id.in_(user_ids))
            .group_by(PointEntry.user_id)
        )
        return {
            user_id: (int(every or 0), int(total or 0), int(weekly or 0), int(monthly or 0))
            for user_id, every, total, weekly, monthly in rows
        }

    async def earned_by_kind(self, user_id: uuid.UUID, day: date) -> dict[str, int]:
        """Awards per source kind on one of the user's days."""
        rows = await self.session.execute(
            select(PointEntry.source_kind, func.sum(PointEntry.amount))
            .where(
                PointEntry.user_id == user_id,
                PointEntry.kind == EntryKind.AWARD,
                PointEntry.day == day,
            )
            .group_by(PointEntry.source_kind)
        )
        return {str(kind): int(points or 0) for kind, points in rows}

    async def awarded_between(
        self, user_ids: list[uuid.UUID], start: date, end: date
    ) -> dict[uuid.UUID, int]:
        """Awards per user over UTC days [start, end), from the ledger itself."""
        rows = await self.session.execute(
            select(PointEntry.user_id, func.sum(PointEntry.amount))
            .where(
                PointEntry.user_id.in_(user_ids),
                PointEntry.kind == EntryKind.AWARD,
                PointEntry.created_at >= _midnight(start),
                PointEntry.created_at < _midnight(end),
            )
            .group_by(PointEntry.user_id)
        )
        return {user_id: int(points or 0) for user_id, points in rows}

    async def ranking(self, period: str, start: date | None) -> list[tuple[uuid.UUID, int]]:
        """Every user with points in the period, as the leaderboards rank them."""
        column = {
            "WEEKLY": PointBalance.weekly,
            "MONTHLY": PointBalance.monthly,
            "ALL_TIME": PointBalance.total,
        }[period]
        statement = select(PointBalance.user_id, column).where(column > 0)
        if period == "WEEKLY":
            statement = statement.where(PointBalance.week_start == start)
        elif period == "MONTHLY":
            statement = statement.where(PointBalance.month_start == start)
        return [(user_id, int(points)) for user_id, points in await self.session.execute(statement)]

    async def display_names(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(User.id, User.display_name).where(User.id.in_(user_ids))
        )
        return {user_id: name for user_id, name in rows}


class StreakRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, user_id: uuid.UUID) -> Streak | None:
        return await self.session.get(Streak, user_id)

    async def lapsing(self, before: date) -> list[uuid.UUID]:
        """Users with a live streak whose last active day is before `before`: the only ones
        a missed day can change (never a scan over every user)."""
        rows = await self.session.scalars(
            select(Streak.user_id)
            .where(Streak.current > 0, Streak.last_active_day < before)
            .order_by(Streak.user_id)
        )
        return list(rows)

    async def lock(self, user_id: uuid.UUID) -> Streak:
        """The user's streak, created empty if missing, locked until commit: two activities
        of one user at once count one after the other."""
        await self.session.execute(
            insert_or_ignore(self.session, Streak),
            {
                "user_id": user_id,
                "current": 0,
                "longest": 0,
                "freezes": 0,
                "active_days": 0,
                "last_active_day": None,
                "updated_at": utcnow(),
            },
        )
        found = await self.session.scalars(
            select(Streak)
            .where(Streak.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return found.one()


def _zero_balance(user_id: uuid.UUID, week: date, month: date, now: datetime) -> dict[str, Any]:
    """The row of a user who has no points yet."""
    return {
        "user_id": user_id,
        "week_start": week,
        "month_start": month,
        "balance": 0,
        "total": 0,
        "weekly": 0,
        "monthly": 0,
        "earned_day": None,
        "earned_today": {},
        "updated_at": now,
    }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _balance_values(balance: Balance) -> dict[str, Any]:
    values = {f"new_{name}": getattr(balance, name) for name in BALANCE_COLUMNS}
    return values | {"new_updated_at": utcnow()}
