"""L4: the points ledger as a state machine. Any sequence of awards, redemptions,
cancellations, fulfilments and league rollovers, for two users and two rewards, keeps the
stored books equal to a model kept here in Python, and after every step:

- each user's balance is the sum of their ledger entries, and never negative;
- each user's total (XP) is the sum of their AWARD entries;
- each reward's stock is its initial stock minus its pending and fulfilled redemptions,
  and never negative.

Hypothesis draws the sequence as a list of steps that one async test plays in order (the
fixtures live on pytest-asyncio's session loop, so the steps cannot run on a loop of their
own as a `RuleBasedStateMachine`'s synchronous rules would need); every example starts from
empty tables with two new users and two new rewards.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.errors import UserInputError
from core.unit_of_work import UnitOfWork
from db.base import Base
from db.models.goals import Difficulty
from db.models.leagues import LeagueMembership, LeagueOutcome, LeaguePlayer, LeagueTier
from db.models.points import EntryKind, PointBalance, PointEntry, SourceKind
from db.models.rewards import Redemption, RedemptionStatus, Reward, RewardTier
from db.models.users import Role
from resolvers.access import Viewer
from resolvers.gamification import leagues, rewards
from resolvers.gamification.points import AwardRequest, award_points
from resolvers.gamification.rules import compute_award, week_start
from resolvers.gamification.runtime import live_redis
from tests import factories

Factory = async_sessionmaker[AsyncSession]

# Every award is dated to this instant (a Wednesday): its week is the league week.
AT = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
WEEK = week_start(AT.date())
USERS = 2
# (cost, initial stock): small stocks and a dear reward, so that both refusals happen.
REWARDS = ((30, 2), (120, 1))


# --- Steps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Award:
    user: int
    minutes: int
    difficulty: Difficulty
    streak_days: int
    early: bool
    # The user's day, counted from AT's date: awards on one day share its cap of 500.
    day: int


@dataclass(frozen=True)
class Redeem:
    user: int
    reward: int
    # None: a new key; n: the n-th key this user sent before (modulo how many), whatever
    # came of it, for the same reward or another.
    again: int | None


@dataclass(frozen=True)
class Settle:
    """An admin cancels or fulfils the `pick`-th redemption (any state), or an unknown one
    when there is none yet."""

    cancel: bool
    pick: int


@dataclass(frozen=True)
class Rollover:
    weeks_later: int


Step = Award | Redeem | Settle | Rollover

awards = st.builds(
    Award,
    user=st.integers(0, USERS - 1),
    minutes=st.sampled_from([0, 95, 600, 1440]),
    difficulty=st.sampled_from(list(Difficulty)),
    streak_days=st.sampled_from([0, 3, 50]),
    early=st.booleans(),
    day=st.integers(0, 2),
)
redeems = st.builds(
    Redeem,
    user=st.integers(0, USERS - 1),
    reward=st.integers(0, len(REWARDS) - 1),
    again=st.none() | st.integers(0, 7),
)
settles = st.builds(Settle, cancel=st.booleans(), pick=st.integers(0, 7))
rollovers = st.builds(Rollover, weeks_later=st.integers(1, 2))
# Weighted towards awards and redemptions, so that sequences reach the refusals, replays
# and settlements that need points and redemptions first.
steps = st.one_of(awards, awards, redeems, redeems, redeems, settles, settles, rollovers)


# --- The model and the machine ----------------------------------------------------------


@dataclass
class ModelRedemption:
    id: uuid.UUID
    user: int
    reward: int
    cost: int
    key: str
    balance_after: int
    status: RedemptionStatus = RedemptionStatus.PENDING


@dataclass
class Membership:
    points: int | None = None
    rank: int | None = None
    outcome: LeagueOutcome | None = None


@dataclass
class Model:
    balance: list[int] = field(default_factory=lambda: [0] * USERS)
    total: list[int] = field(default_factory=lambda: [0] * USERS)
    # Points awarded per (user, day), for the daily cap.
    earned: Counter[tuple[int, int]] = field(default_factory=Counter)
    stock: list[int] = field(default_factory=lambda: [stock for _, stock in REWARDS])
    redemptions: list[ModelRedemption] = field(default_factory=list)
    keys: dict[tuple[int, str], ModelRedemption] = field(default_factory=dict)
    # Every key each user sent, in order.
    sent: list[list[str]] = field(default_factory=lambda: [[] for _ in range(USERS)])
    memberships: dict[int, Membership] = field(default_factory=dict)
    tiers: dict[int, LeagueTier] = field(default_factory=dict)


ADMIN = Viewer(
    user_id=uuid.uuid4(),
    role=Role.ADMIN,
    token_id="admin",
    token_expires_at=datetime(2100, 1, 1, tzinfo=UTC),
)


def student(user_id: uuid.UUID) -> Viewer:
    return Viewer(
        user_id=user_id,
        role=Role.STUDENT,
        token_id="student",
        token_expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )


async def empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(delete(table))


@dataclass
class Ledger:
    session_factory: Factory
    redis: aioredis.Redis
    users: list[uuid.UUID]
    rewards: list[uuid.UUID]
    model: Model = field(default_factory=Model)

    @classmethod
    async def start(cls, engine: AsyncEngine, session_factory: Factory) -> Ledger:
        await empty_tables(engine)
        async with session_factory() as session:
            users = [factories.user() for _ in range(USERS)]
            session.add_all(users)
            await session.commit()
        reward_ids = []
        for n, (cost, stock) in enumerate(REWARDS):
            draft = rewards.RewardDraft(f"Reward {n}", None, cost, stock, RewardTier.SILVER)
            reward_ids.append((await rewards.create_reward(session_factory, ADMIN, draft)).id)
        return cls(session_factory, live_redis(), [u.id for u in users], reward_ids)

    async def run(self, step: Step) -> None:
        if isinstance(step, Award):
            await self.award(step)
        elif isinstance(step, Redeem):
            await self.redeem(step)
        elif isinstance(step, Settle):
            await self.settle(step)
        else:
            await self.roll_over(step)

    async def award(self, step: Award) -> None:
        model = self.model
        user_id = self.users[step.user]
        expected = compute_award(
            SourceKind.TASK,
            minutes=step.minutes,
            early=step.early,
            difficulty=step.difficulty,
            streak_days=step.streak_days,
            earned_today=model.earned[step.user, step.day],
        )
        async with UnitOfWork(self.session_factory) as uow:
            award = await award_points(
                uow,
                self.redis,
                AwardRequest(
                    user_id=user_id,
                    source_kind=SourceKind.TASK,
                    source_id=uuid.uuid4(),
                    reason="TASK_COMPLETED",
                    at=AT,
                    day=AT.date() + timedelta(days=step.day),
                    streak_days=step.streak_days,
                    minutes=step.minutes,
                    difficulty=step.difficulty,
                    early=step.early,
                ),
            )
            assert award is not None
            # As the task-completion handler does: the week's first points join a league.
            if award.inputs.awarded > 0 and award.balance.weekly == award.inputs.awarded:
                await leagues.join_league(uow.session, user_id, award.balance.week_start)
            await uow.commit()
        assert award.inputs == expected
        amount = expected.awarded
        if amount > 0 and model.total[step.user] == 0:
            model.memberships[step.user] = Membership()
        model.balance[step.user] += amount
        model.total[step.user] += amount
        model.earned[step.user, step.day] += amount
        assert award.balance.balance == model.balance[step.user]
        assert award.balance.total == model.total[step.user]

    async def redeem(self, step: Redeem) -> None:
        model = self.model
        sent = model.sent[step.user]
        if step.again is None or not sent:
            key = f"key-{sum(len(keys) for keys in model.sent)}"
            sent.append(key)
        else:
            key = sent[step.again % len(sent)]
        cost = REWARDS[step.reward][0]
        earlier = model.keys.get((step.user, key))
        if earlier is not None:
            expected_error = None if earlier.reward == step.reward else "IDEMPOTENCY_KEY_REUSED"
        elif model.balance[step.user] < cost:
            expected_error = "INSUFFICIENT_POINTS"
        elif model.stock[step.reward] == 0:
            expected_error = "OUT_OF_STOCK"
        else:
            expected_error = None
        try:
            done = await rewards.redeem_reward(
                self.session_factory,
                student(self.users[step.user]),
                self.rewards[step.reward],
                key,
            )
        except UserInputError as error:
            assert error.code == expected_error, step
            return
        assert expected_error is None, (step, expected_error)
        if earlier is not None:
            assert done.replayed
            assert done.redemption.id == earlier.id
            assert done.redemption.status == earlier.status
            assert done.balance == earlier.balance_after  # the first answer's balance
        else:
            assert not done.replayed
            model.stock[step.reward] -= 1
            model.balance[step.user] -= cost
            made = ModelRedemption(
                done.redemption.id, step.user, step.reward, cost, key, model.balance[step.user]
            )
            model.redemptions.append(made)
            model.keys[step.user, key] = made
            assert done.balance == model.balance[step.user]

    async def settle(self, step: Settle) -> None:
        model = self.model
        if not model.redemptions:
            target_id, target = uuid.uuid4(), None
        else:
            target = model.redemptions[step.pick % len(model.redemptions)]
            target_id = target.id
        try:
            if step.cancel:
                settled = await rewards.cancel_redemption(self.session_factory, ADMIN, target_id)
            else:
                settled = await rewards.fulfill_redemption(self.session_factory, ADMIN, target_id)
        except UserInputError as error:
            if target is None:
                assert error.code == "NOT_FOUND"
            else:
                assert target.status is not RedemptionStatus.PENDING
                assert error.code == "INVALID_REDEMPTION_STATE"
            return
        assert target is not None
        assert target.status is RedemptionStatus.PENDING
        if step.cancel:
            target.status = RedemptionStatus.CANCELLED
            model.stock[target.reward] += 1
            model.balance[target.user] += target.cost
        else:
            target.status = RedemptionStatus.FULFILLED
        assert (settled.id, settled.status, settled.cost) == (
            target.id,
            target.status,
            target.cost,
        )

    async def roll_over(self, step: Rollover) -> None:
        model = self.model
        waiting = sorted(
            (u for u, m in model.memberships.items() if m.outcome is None),
            key=lambda u: (-model.total[u], self.users[u]),
        )
        settled = await leagues.roll_over(
            self.session_factory, now=AT + timedelta(weeks=step.weeks_later)
        )
        assert settled == ([WEEK] if waiting else [])
        # One cohort (both joined BRONZE in the same week); the week's points are all the
        # user's awards, every one of them dated AT.
        for rank, u in enumerate(waiting, start=1):
            outcome = leagues.outcome_of(LeagueTier.BRONZE, rank, len(waiting), model.total[u])
            model.memberships[u] = Membership(model.total[u], rank, outcome)
            model.tiers[u] = leagues.next_tier(LeagueTier.BRONZE, outcome)

    async def check(self) -> None:
        """The invariants, and the stored books equal to the model's."""
        model = self.model
        async with self.session_factory() as session:
            balances = {
                row.user_id: row
                for row in await session.execute(
                    select(PointBalance.user_id, PointBalance.balance, PointBalance.total)
                )
            }
            ledger: dict[uuid.UUID, list[PointEntry]] = {u: [] for u in self.users}
            for entry in await session.scalars(select(PointEntry)):
                ledger[entry.user_id].append(entry)
            stocks = dict(
                (row.id, row.stock)
                for row in await session.execute(select(Reward.id, Reward.stock))
            )
            redemptions = list(await session.scalars(select(Redemption)))
            memberships = list(await session.scalars(select(LeagueMembership)))
            tiers = {p.user_id: p.tier for p in await session.scalars(select(LeaguePlayer))}

        for n, user_id in enumerate(self.users):
            entries = ledger[user_id]
            ledger_sum = sum(e.amount for e in entries)
            awards_sum = sum(e.amount for e in entries if e.kind is EntryKind.AWARD)
            found = balances.get(user_id)
            if found is None:  # never awarded: no balance row, nothing to spend
                assert entries == []
                assert model.balance[n] == model.total[n] == 0
                continue
            assert found.balance == ledger_sum == model.balance[n]
            assert found.balance >= 0
            assert found.total == awards_sum == model.total[n]

        for r, reward_id in enumerate(self.rewards):
            holding = sum(
                1
                for x in redemptions
                if x.reward_id == reward_id
                and x.status in (RedemptionStatus.PENDING, RedemptionStatus.FULFILLED)
            )
            assert stocks[reward_id] == REWARDS[r][1] - holding == model.stock[r]
            assert stocks[reward_id] >= 0

        assert sorted(
            (x.id, x.user_id, x.reward_id, x.status, x.cost, x.idempotency_key) for x in redemptions
        ) == sorted(
            (m.id, self.users[m.user], self.rewards[m.reward], m.status, m.cost, m.key)
            for m in model.redemptions
        )
        # Every redemption debited once; every cancelled one refunded once.
        spent = sorted(
            (e.kind, e.source_kind, e.source_id, e.amount, e.user_id)
            for entries in ledger.values()
            for e in entries
            if e.kind is not EntryKind.AWARD
        )
        expected_spent = sorted(
            [
                (EntryKind.REDEMPTION, SourceKind.REDEMPTION, m.id, -m.cost, self.users[m.user])
                for m in model.redemptions
            ]
            + [
                (EntryKind.REFUND, SourceKind.REFUND, m.id, m.cost, self.users[m.user])
                for m in model.redemptions
                if m.status is RedemptionStatus.CANCELLED
            ]
        )
        assert spent == expected_spent

        assert sorted(
            (m.user_id, m.week_start, m.tier, m.points, m.rank, m.outcome) for m in memberships
        ) == sorted(
            (self.users[u], WEEK, LeagueTier.BRONZE, m.points, m.rank, m.outcome)
            for u, m in model.memberships.items()
        )
        assert tiers == {self.users[u]: tier for u, tier in model.tiers.items()}


@settings(
    max_examples=25,
    deadline=None,
    # No explain phase: re-running a failing script step by step takes long and adds little.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(steps, min_size=10, max_size=40))
async def test_the_books_balance_after_every_step(
    app: Starlette, db: AsyncEngine, session_factory: Factory, script: list[Step]
) -> None:
    ledger = await Ledger.start(db, session_factory)
    await ledger.check()
    for step in script:
        await ledger.run(step)
        await ledger.check()
