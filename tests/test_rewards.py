"""Rewards: redemptions that never overspend or oversell (L1), idempotency keys (L3), the
refusals that change nothing, cancelling and fulfilling, and the admin's catalog."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import count
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from core.errors import UserInputError
from core.ids import from_global_id, to_global_id
from core.unit_of_work import UnitOfWork
from db.base import utcnow
from db.models.goals import Difficulty
from db.models.points import EntryKind, PointBalance, PointEntry, SourceKind
from db.models.rewards import Redemption, RedemptionStatus, Reward, RewardTier
from db.models.users import Role
from resolvers.access import Viewer
from resolvers.gamification import rewards
from resolvers.gamification.points import AwardRequest, award_points
from resolvers.gamification.rules import compute_award
from resolvers.gamification.runtime import live_redis
from tests.accounts import Account, gql, login, register, register_with_role, viewer_of
from tests.conftest import requires_postgres
from tests.study_api import mutate

Factory = async_sessionmaker[AsyncSession]

REDEEM = """
mutation ($rewardId: ID!, $key: String!) {
  redeemReward(rewardId: $rewardId, idempotencyKey: $key) {
    redemption { id cost status idempotencyKey reward { id stock } }
    balance replayed errors { code field }
  }
}
"""
CREATE_REWARD = """
mutation ($input: CreateRewardInput!) {
  createReward(input: $input) {
    reward { id name description cost stock tier } errors { code field }
  }
}
"""
FULFILL = """
mutation ($id: ID!) {
  fulfillRedemption(id: $id) { redemption { id status cost } errors { code field } }
}
"""
CANCEL = """
mutation ($id: ID!) {
  cancelRedemption(id: $id) { redemption { id status cost } errors { code field } }
}
"""
MY_REDEMPTIONS = """
query ($first: Int!, $after: String) {
  myRedemptions(first: $first, after: $after) {
    edges { node { id cost status idempotencyKey reward { id } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# Each award lands on a user day of its own, so no award shares a daily cap with another.
FIRST_DAY = date(2026, 3, 2)
_days = count()


def award_for(minutes: int) -> int:
    """What one HARD task of `minutes` earns on a fresh day without a streak:
    (10 + 5 per 30 min) x 2."""
    return compute_award(
        SourceKind.TASK,
        minutes=minutes,
        early=False,
        difficulty=Difficulty.HARD,
        streak_days=0,
        earned_today=0,
    ).awarded


async def give_points(
    session_factory: Factory, redis: aioredis.Redis, user_id: uuid.UUID, minutes: int
) -> int:
    expected = award_for(minutes)
    async with UnitOfWork(session_factory) as uow:
        award = await award_points(
            uow,
            redis,
            AwardRequest(
                user_id=user_id,
                source_kind=SourceKind.TASK,
                source_id=uuid.uuid4(),
                reason="TASK_COMPLETED",
                at=utcnow(),
                day=FIRST_DAY + timedelta(days=next(_days)),
                streak_days=0,
                minutes=minutes,
                difficulty=Difficulty.HARD,
            ),
        )
        await uow.commit()
    assert award is not None
    assert award.inputs.awarded == expected
    return expected


@dataclass(frozen=True)
class Books:
    """Everything a redemption may touch, for one user and some rewards, as stored."""

    stock: tuple[int, ...]
    balance: int | None  # None: no balance row yet
    total: int | None
    entries: tuple[tuple[EntryKind, int, SourceKind, uuid.UUID], ...]
    redemptions: tuple[tuple[uuid.UUID, uuid.UUID, RedemptionStatus, int, str | None], ...]

    @property
    def ledger_sum(self) -> int:
        return sum(amount for _, amount, _, _ in self.entries)

    @property
    def awards_sum(self) -> int:
        return sum(amount for kind, amount, _, _ in self.entries if kind is EntryKind.AWARD)

    def of_kind(self, kind: EntryKind) -> list[tuple[int, uuid.UUID]]:
        return sorted((amount, source) for k, amount, _, source in self.entries if k is kind)


async def books(session_factory: Factory, user_id: uuid.UUID, *reward_ids: uuid.UUID) -> Books:
    async with session_factory() as session:
        stocks = {i: stock for i, stock in await session.execute(select(Reward.id, Reward.stock))}
        row = (
            await session.execute(
                select(PointBalance.balance, PointBalance.total).where(
                    PointBalance.user_id == user_id
                )
            )
        ).one_or_none()
        entries = await session.scalars(select(PointEntry).where(PointEntry.user_id == user_id))
        redemptions = await session.scalars(select(Redemption).where(Redemption.user_id == user_id))
        return Books(
            stock=tuple(stocks[r] for r in reward_ids),
            balance=None if row is None else row.balance,
            total=None if row is None else row.total,
            entries=tuple(sorted((e.kind, e.amount, e.source_kind, e.source_id) for e in entries)),
            redemptions=tuple(
                sorted(
                    (r.id, r.reward_id, r.status, r.cost, r.idempotency_key) for r in redemptions
                )
            ),
        )


def assert_consistent(found: Books) -> None:
    """The balance is the ledger's sum, the total its awards, and neither is negative."""
    assert found.balance is not None
    assert found.balance == found.ledger_sum >= 0
    assert found.total == found.awards_sum


def local(global_id: str) -> uuid.UUID:
    return from_global_id(global_id)[1]


def admin_viewer() -> Viewer:
    """An admin as the resolvers see one (creating a reward needs only the role)."""
    return Viewer(
        user_id=uuid.uuid4(),
        role=Role.ADMIN,
        token_id="admin",
        token_expires_at=utcnow() + timedelta(hours=1),
    )


async def new_reward(
    session_factory: Factory, *, cost: int, stock: int, name: str = "Sticker"
) -> Reward:
    return await rewards.create_reward(
        session_factory,
        admin_viewer(),
        rewards.RewardDraft(name, None, cost, stock, RewardTier.BRONZE),
    )


async def an_admin(client: httpx.AsyncClient, db: AsyncEngine) -> Account:
    registered = await register_with_role(client, db, Role.ADMIN)
    session = await login(client, registered.email)  # a token carrying the role
    return replace(registered, access_token=session["accessToken"])


async def redeem(
    client: httpx.AsyncClient, account: Account, reward: Reward | str, key: str
) -> dict[str, Any]:
    reward_id = reward if isinstance(reward, str) else to_global_id("Reward", reward.id)
    return await mutate(client, account, REDEEM, rewardId=reward_id, key=key)


def refused(code: str, field: str) -> dict[str, Any]:
    return {
        "redemption": None,
        "balance": None,
        "replayed": False,
        "errors": [{"code": code, "field": field}],
    }


@pytest.fixture
def redis(app: Starlette) -> aioredis.Redis:
    """The Redis client the running app installed for gamification."""
    return live_redis()


# --- L1: no overspending, no overselling ------------------------------------------------

REQUESTS = 50


@requires_postgres
@pytest.mark.parametrize(
    ("cost", "stock", "minutes"),
    [
        pytest.param(10, 7, [870], id="stock-binds"),
        pytest.param(45, 50, [870], id="balance-binds"),
        pytest.param(50, 6, [870], id="both-bind-together"),
        pytest.param(25, 40, [1440, 870], id="balance-of-two-days-binds"),
        pytest.param(10, 0, [870], id="sold-out"),
        pytest.param(20, 60, [1440, 1440], id="every-request-served"),
    ],
)
async def test_parallel_redemptions_stop_exactly_where_stock_or_balance_ends(
    client: httpx.AsyncClient,
    session_factory: Factory,
    redis: aioredis.Redis,
    cost: int,
    stock: int,
    minutes: list[int],
) -> None:
    me = await register(client)
    user_id = local(me.id)
    balance = 0
    for m in minutes:
        balance += await give_points(session_factory, redis, user_id, m)
    assert balance == {(870,): 310, (1440, 870): 810, (1440, 1440): 1000}[tuple(minutes)]
    reward = await new_reward(session_factory, cost=cost, stock=stock)

    outcomes = await asyncio.gather(
        *(
            rewards.redeem_reward(session_factory, viewer_of(me), reward.id, f"key-{n}")
            for n in range(REQUESTS)
        ),
        return_exceptions=True,
    )

    expected = min(balance // cost, stock, REQUESTS)
    succeeded = [o for o in outcomes if isinstance(o, rewards.Redeemed)]
    failed = [o for o in outcomes if isinstance(o, UserInputError)]
    assert (len(succeeded), len(failed)) == (expected, REQUESTS - expected), outcomes
    # Redemptions debit the balance first, in turn: once it no longer covers the cost every
    # later one is INSUFFICIENT_POINTS; while it does, a refusal can only be the stock's.
    code = "INSUFFICIENT_POINTS" if balance // cost == expected else "OUT_OF_STOCK"
    assert [(e.code, e.field) for e in failed] == [(code, "rewardId")] * len(failed)
    assert not any(s.replayed for s in succeeded)
    # Each success saw its own debit on top of the ones before it.
    assert sorted((s.balance for s in succeeded), reverse=True) == [
        balance - cost * k for k in range(1, expected + 1)
    ]
    ids = {s.redemption.id for s in succeeded}
    assert len(ids) == expected
    assert {(s.redemption.cost, s.redemption.status) for s in succeeded} <= {
        (cost, RedemptionStatus.PENDING)
    }

    after = await books(session_factory, user_id, reward.id)
    assert after.stock == (stock - expected,)
    assert after.balance == balance - expected * cost
    assert after.total == balance
    assert_consistent(after)
    assert after.of_kind(EntryKind.REDEMPTION) == sorted((-cost, i) for i in ids)
    assert {(r[0], r[2], r[3]) for r in after.redemptions} == {
        (i, RedemptionStatus.PENDING, cost) for i in ids
    }
    assert len(after.redemptions) == expected


@requires_postgres
async def test_parallel_requests_with_one_key_redeem_once(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me = await register(client)
    user_id = local(me.id)
    assert await give_points(session_factory, redis, user_id, 870) == 310
    reward = await new_reward(session_factory, cost=40, stock=5)

    outcomes = await asyncio.gather(
        *(
            rewards.redeem_reward(session_factory, viewer_of(me), reward.id, "double-tap")
            for _ in range(10)
        ),
        return_exceptions=True,
    )

    assert all(isinstance(o, rewards.Redeemed) for o in outcomes), outcomes
    done = [o for o in outcomes if isinstance(o, rewards.Redeemed)]
    assert sorted(d.replayed for d in done) == [False] + [True] * 9
    assert {d.redemption.id for d in done} == {done[0].redemption.id}
    assert {d.balance for d in done} == {270}
    after = await books(session_factory, user_id, reward.id)
    assert after.redemptions == (
        (done[0].redemption.id, reward.id, RedemptionStatus.PENDING, 40, "double-tap"),
    )
    assert (after.stock, after.balance) == ((4,), 270)
    assert after.of_kind(EntryKind.REDEMPTION) == [(-40, done[0].redemption.id)]
    assert_consistent(after)


# --- L3: idempotency keys ---------------------------------------------------------------


async def test_a_repeated_key_replays_the_first_redemption(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me = await register(client)
    user_id = local(me.id)
    assert await give_points(session_factory, redis, user_id, 870) == 310
    reward = await new_reward(session_factory, cost=40, stock=3)
    reward_gid = to_global_id("Reward", reward.id)

    first = await redeem(client, me, reward, "order-1")
    redemption_id = first["redemption"]["id"]
    assert first == {
        "redemption": {
            "id": redemption_id,
            "cost": 40,
            "status": "PENDING",
            "idempotencyKey": "order-1",
            "reward": {"id": reward_gid, "stock": 2},
        },
        "balance": 270,
        "replayed": False,
        "errors": [],
    }
    once = await books(session_factory, user_id, reward.id)

    # A retry, and one with the key padded: the same answer, nothing spent twice.
    for key in ("order-1", "  order-1 "):
        again = await redeem(client, me, reward, key)
        assert again == first | {"replayed": True}
        assert await books(session_factory, user_id, reward.id) == once

    assert once.stock == (2,)
    assert (once.balance, once.total) == (270, 310)
    assert once.of_kind(EntryKind.REDEMPTION) == [(-40, local(redemption_id))]
    assert len(once.redemptions) == 1
    assert_consistent(once)


async def test_a_key_used_for_another_reward_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me, other = await register(client), await register(client)
    assert await give_points(session_factory, redis, local(me.id), 870) == 310
    assert await give_points(session_factory, redis, local(other.id), 870) == 310
    mug = await new_reward(session_factory, cost=40, stock=3, name="Mug")
    pen = await new_reward(session_factory, cost=20, stock=3, name="Pen")
    assert (await redeem(client, me, mug, "order-1"))["errors"] == []
    before = await books(session_factory, local(me.id), mug.id, pen.id)

    assert await redeem(client, me, pen, "order-1") == refused(
        "IDEMPOTENCY_KEY_REUSED", "idempotencyKey"
    )
    assert await books(session_factory, local(me.id), mug.id, pen.id) == before

    # Keys are per user: another user's "order-1" is a new redemption of its own.
    theirs = await redeem(client, other, pen, "order-1")
    assert (theirs["replayed"], theirs["balance"], theirs["errors"]) == (False, 290, [])
    assert theirs["redemption"]["reward"]["stock"] == 2
    assert await books(session_factory, local(me.id), mug.id, pen.id) == replace(
        before, stock=(2, 2)
    )


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
async def test_an_invalid_key_is_refused(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis, key: str
) -> None:
    me = await register(client)
    assert await give_points(session_factory, redis, local(me.id), 870) == 310
    reward = await new_reward(session_factory, cost=40, stock=3)
    before = await books(session_factory, local(me.id), reward.id)
    assert await redeem(client, me, reward, key) == refused(
        "INVALID_IDEMPOTENCY_KEY", "idempotencyKey"
    )
    assert await books(session_factory, local(me.id), reward.id) == before
    # The longest key allowed goes through.
    longest = await redeem(client, me, reward, "k" * 255)
    assert (longest["errors"], longest["balance"]) == ([], 270)


async def test_a_key_is_kept_24_hours_then_forgotten_and_free_again(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me = await register(client)
    user_id = local(me.id)
    assert await give_points(session_factory, redis, user_id, 870) == 310
    reward = await new_reward(session_factory, cost=40, stock=3)
    first = await redeem(client, me, reward, "order-1")
    made = utcnow()

    assert await rewards.forget_idempotency_keys(session_factory, made + timedelta(hours=23)) == 0
    assert await redeem(client, me, reward, "order-1") == first | {"replayed": True}

    async def last_changed() -> object:
        async with session_factory() as session:
            return await session.scalar(
                select(Redemption.updated_at).where(
                    Redemption.id == local(first["redemption"]["id"])
                )
            )

    changed = await last_changed()
    later = made + rewards.KEY_KEPT + timedelta(seconds=1)
    assert await rewards.forget_idempotency_keys(session_factory, later, batch=1) == 1
    assert await last_changed() == changed  # forgetting the key is no change of status
    second = await redeem(client, me, reward, "order-1")
    assert (second["replayed"], second["balance"], second["errors"]) == (False, 230, [])
    assert second["redemption"]["id"] != first["redemption"]["id"]
    assert second["redemption"]["idempotencyKey"] == "order-1"
    books_now = await books(session_factory, user_id, reward.id)
    assert {(r[0], r[4]) for r in books_now.redemptions} == {
        (local(first["redemption"]["id"]), None),
        (local(second["redemption"]["id"]), "order-1"),
    }
    assert books_now.stock == (1,)
    assert_consistent(books_now)


# --- Refusals change nothing ------------------------------------------------------------


async def test_out_of_stock_changes_nothing(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me = await register(client)
    user_id = local(me.id)
    assert await give_points(session_factory, redis, user_id, 870) == 310
    sold_out = await new_reward(session_factory, cost=10, stock=0)
    last_one = await new_reward(session_factory, cost=10, stock=1)
    assert (await redeem(client, me, last_one, "a"))["balance"] == 300
    before = await books(session_factory, user_id, sold_out.id, last_one.id)
    assert before.stock == (0, 0)

    for reward, key in ((sold_out, "b"), (last_one, "c"), (sold_out, "a-new")):
        assert await redeem(client, me, reward, key) == refused("OUT_OF_STOCK", "rewardId")
        assert await books(session_factory, user_id, sold_out.id, last_one.id) == before
    assert (before.balance, len(before.redemptions)) == (300, 1)
    assert_consistent(before)


async def test_insufficient_points_change_nothing_and_free_the_key(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    broke, me = await register(client), await register(client)
    assert await give_points(session_factory, redis, local(me.id), 870) == 310
    reward = await new_reward(session_factory, cost=311, stock=2)

    # Without a single point (not even a balance row) and one point short.
    for account in (broke, me):
        before = await books(session_factory, local(account.id), reward.id)
        assert await redeem(client, account, reward, "wish") == refused(
            "INSUFFICIENT_POINTS", "rewardId"
        )
        assert await books(session_factory, local(account.id), reward.id) == before
    assert (await books(session_factory, local(broke.id))).balance is None

    # The refused request did not keep its key: with enough points it redeems.
    assert await give_points(session_factory, redis, local(me.id), 0) == 20
    later = await redeem(client, me, reward, "wish")
    assert (later["errors"], later["replayed"], later["balance"]) == ([], False, 19)
    after = await books(session_factory, local(me.id), reward.id)
    assert (after.stock, after.balance, after.total) == ((1,), 19, 330)
    assert_consistent(after)


async def test_an_unknown_reward_is_not_found(
    client: httpx.AsyncClient, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me = await register(client)
    assert await give_points(session_factory, redis, local(me.id), 870) == 310
    reward = await new_reward(session_factory, cost=40, stock=3)
    done = await redeem(client, me, reward, "ok")
    before = await books(session_factory, local(me.id), reward.id)
    for reward_id in (
        to_global_id("Reward", uuid.uuid4()),
        "not-an-id",
        done["redemption"]["id"],  # an id, but of another type
    ):
        assert await redeem(client, me, reward_id, "missing") == refused("NOT_FOUND", "rewardId")
    assert await books(session_factory, local(me.id), reward.id) == before


# --- Fulfilling and cancelling ----------------------------------------------------------


async def test_cancel_refunds_and_restocks_exactly_once(
    client: httpx.AsyncClient, db: AsyncEngine, session_factory: Factory, redis: aioredis.Redis
) -> None:
    admin, me = await an_admin(client, db), await register(client)
    user_id = local(me.id)
    assert await give_points(session_factory, redis, user_id, 870) == 310
    reward = await new_reward(session_factory, cost=40, stock=3)
    redemption_id = (await redeem(client, me, reward, "order-1"))["redemption"]["id"]

    cancelled = await mutate(client, admin, CANCEL, id=redemption_id)
    assert cancelled == {
        "redemption": {"id": redemption_id, "status": "CANCELLED", "cost": 40},
        "errors": [],
    }
    after = await books(session_factory, user_id, reward.id)
    assert (after.stock, after.balance, after.total) == ((3,), 310, 310)
    assert after.of_kind(EntryKind.REDEMPTION) == [(-40, local(redemption_id))]
    assert after.of_kind(EntryKind.REFUND) == [(40, local(redemption_id))]
    assert [r[2] for r in after.redemptions] == [RedemptionStatus.CANCELLED]
    assert_consistent(after)

    # A cancelled redemption is neither cancelled again nor fulfilled.
    for mutation in (CANCEL, FULFILL):
        assert await mutate(client, admin, mutation, id=redemption_id) == {
            "redemption": None,
            "errors": [{"code": "INVALID_REDEMPTION_STATE", "field": "id"}],
        }
        assert await books(session_factory, user_id, reward.id) == after
    unknown = to_global_id("Redemption", uuid.uuid4())
    for mutation in (CANCEL, FULFILL):
        assert await mutate(client, admin, mutation, id=unknown) == {
            "redemption": None,
            "errors": [{"code": "NOT_FOUND", "field": "id"}],
        }


async def test_the_key_of_a_cancelled_redemption_replays_it(
    client: httpx.AsyncClient, db: AsyncEngine, session_factory: Factory, redis: aioredis.Redis
) -> None:
    admin, me = await an_admin(client, db), await register(client)
    user_id = local(me.id)
    assert await give_points(session_factory, redis, user_id, 870) == 310
    reward = await new_reward(session_factory, cost=40, stock=3)
    redemption_id = (await redeem(client, me, reward, "order-1"))["redemption"]["id"]
    assert (await mutate(client, admin, CANCEL, id=redemption_id))["errors"] == []
    cancelled = await books(session_factory, user_id, reward.id)

    # A late retry of the request answers with the (now cancelled) first redemption and
    # the balance of the first answer, and spends nothing: the key names that one request,
    # whatever became of it.
    replayed = await redeem(client, me, reward, "order-1")
    assert replayed == {
        "redemption": {
            "id": redemption_id,
            "cost": 40,
            "status": "CANCELLED",
            "idempotencyKey": "order-1",
            "reward": {"id": to_global_id("Reward", reward.id), "stock": 3},
        },
        "balance": 270,
        "replayed": True,
        "errors": [],
    }
    assert await books(session_factory, user_id, reward.id) == cancelled


async def test_a_fulfilled_redemption_cannot_be_cancelled(
    client: httpx.AsyncClient, db: AsyncEngine, session_factory: Factory, redis: aioredis.Redis
) -> None:
    admin, me = await an_admin(client, db), await register(client)
    user_id = local(me.id)
    assert await give_points(session_factory, redis, user_id, 870) == 310
    reward = await new_reward(session_factory, cost=40, stock=3)
    redemption_id = (await redeem(client, me, reward, "order-1"))["redemption"]["id"]

    fulfilled = await mutate(client, admin, FULFILL, id=redemption_id)
    assert fulfilled == {
        "redemption": {"id": redemption_id, "status": "FULFILLED", "cost": 40},
        "errors": [],
    }
    after = await books(session_factory, user_id, reward.id)
    assert (after.stock, after.balance, after.total) == ((2,), 270, 310)
    assert [r[2] for r in after.redemptions] == [RedemptionStatus.FULFILLED]
    assert after.of_kind(EntryKind.REFUND) == []

    for mutation in (CANCEL, FULFILL):
        assert await mutate(client, admin, mutation, id=redemption_id) == {
            "redemption": None,
            "errors": [{"code": "INVALID_REDEMPTION_STATE", "field": "id"}],
        }
        assert await books(session_factory, user_id, reward.id) == after
    assert_consistent(after)


# --- The catalog and who may run it -----------------------------------------------------

VALID = {"name": "Sticker", "cost": 20, "stock": 5, "tier": "BRONZE"}


def column_length(column: str) -> int:
    """The size of a text column of the rewards table: the most its input may hold."""
    kind = Reward.__table__.c[column].type
    assert isinstance(kind, String)
    assert kind.length is not None
    return kind.length


# Whatever is accepted must fit the column on PostgreSQL (SQLite stores any length).
NAME_MAX, DESCRIPTION_MAX = column_length("name"), column_length("description")


async def reward_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Reward)) or 0)


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"cost": 0}, "INVALID_COST", "cost"),
        ({"cost": -5}, "INVALID_COST", "cost"),
        ({"cost": 10_000_001}, "INVALID_COST", "cost"),
        ({"stock": -1}, "INVALID_STOCK", "stock"),
        ({"stock": 1_000_001}, "INVALID_STOCK", "stock"),
        ({"name": ""}, "EMPTY_TITLE", "name"),
        ({"name": " \t "}, "EMPTY_TITLE", "name"),
        ({"name": "n" * (NAME_MAX + 1)}, "TITLE_TOO_LONG", "name"),
        ({"description": "d" * (DESCRIPTION_MAX + 1)}, "TEXT_TOO_LONG", "description"),
    ],
)
async def test_bad_reward_input_creates_nothing(
    client: httpx.AsyncClient, db: AsyncEngine, fields: dict[str, Any], code: str, field: str
) -> None:
    admin = await an_admin(client, db)
    payload = await mutate(client, admin, CREATE_REWARD, input=VALID | fields)
    assert payload == {"reward": None, "errors": [{"code": code, "field": field}]}
    assert await reward_count(db) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"cost": 1, "stock": 0},
        {"cost": 10_000_000, "stock": 1_000_000},
        {"name": "n" * NAME_MAX, "description": "d" * DESCRIPTION_MAX},
    ],
)
async def test_rewards_at_the_limits_are_created(
    client: httpx.AsyncClient, db: AsyncEngine, fields: dict[str, Any]
) -> None:
    admin = await an_admin(client, db)
    payload = await mutate(client, admin, CREATE_REWARD, input=VALID | fields)
    assert payload["errors"] == []
    assert (
        payload["reward"]
        == {
            "id": payload["reward"]["id"],
            "description": "",
        }
        | VALID
        | fields
    )
    assert await reward_count(db) == 1


async def test_only_admins_run_the_catalog_and_redemptions(
    client: httpx.AsyncClient, db: AsyncEngine, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me = await register(client)
    assert await give_points(session_factory, redis, local(me.id), 870) == 310
    reward = await new_reward(session_factory, cost=40, stock=3)
    redemption_id = (await redeem(client, me, reward, "order-1"))["redemption"]["id"]
    instructor = await register_with_role(client, db, Role.INSTRUCTOR)
    session = await login(client, instructor.email)  # a token carrying the role
    instructor = replace(instructor, access_token=session["accessToken"])
    before = await books(session_factory, local(me.id), reward.id)

    for account in (me, instructor):  # a student and an instructor
        for query, variables in (
            (CREATE_REWARD, {"input": VALID}),
            (FULFILL, {"id": redemption_id}),
            (CANCEL, {"id": redemption_id}),
        ):
            result = await gql(client, query, variables, account=account)
            assert result["data"] is None
            assert [e["extensions"]["code"] for e in result["errors"]] == ["FORBIDDEN"]
    anonymous = await gql(
        client, REDEEM, {"rewardId": to_global_id("Reward", reward.id), "key": "anon"}
    )
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
    assert await books(session_factory, local(me.id), reward.id) == before
    assert await reward_count(db) == 1


async def test_my_redemptions_lists_only_my_own(
    client: httpx.AsyncClient, db: AsyncEngine, session_factory: Factory, redis: aioredis.Redis
) -> None:
    me, other, admin = await register(client), await register(client), await an_admin(client, db)
    for account in (me, other):
        assert await give_points(session_factory, redis, local(account.id), 870) == 310
    mug = await new_reward(session_factory, cost=40, stock=5, name="Mug")
    pen = await new_reward(session_factory, cost=20, stock=5, name="Pen")
    mine = [
        (await redeem(client, me, reward, key))["redemption"]["id"]
        for reward, key in ((mug, "m1"), (pen, "m2"), (mug, "m3"))
    ]
    theirs = (await redeem(client, other, pen, "m1"))["redemption"]["id"]
    await mutate(client, admin, CANCEL, id=mine[1])

    first = await gql(client, MY_REDEMPTIONS, {"first": 2}, account=me)
    page = first["data"]["myRedemptions"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        client,
        MY_REDEMPTIONS,
        {"first": 2, "after": page["pageInfo"]["endCursor"]},
        account=me,
    )
    nodes = [e["node"] for e in page["edges"] + rest["data"]["myRedemptions"]["edges"]]
    assert rest["data"]["myRedemptions"]["pageInfo"]["hasNextPage"] is False
    mug_id, pen_id = to_global_id("Reward", mug.id), to_global_id("Reward", pen.id)
    assert nodes == [
        {
            "id": mine[0],
            "cost": 40,
            "status": "PENDING",
            "idempotencyKey": "m1",
            "reward": {"id": mug_id},
        },
        {
            "id": mine[1],
            "cost": 20,
            "status": "CANCELLED",
            "idempotencyKey": "m2",
            "reward": {"id": pen_id},
        },
        {
            "id": mine[2],
            "cost": 40,
            "status": "PENDING",
            "idempotencyKey": "m3",
            "reward": {"id": mug_id},
        },
    ]
    their_page = await gql(client, MY_REDEMPTIONS, {"first": 10}, account=other)
    assert [e["node"]["id"] for e in their_page["data"]["myRedemptions"]["edges"]] == [theirs]
    admins = await gql(client, MY_REDEMPTIONS, {"first": 10}, account=admin)
    assert admins["data"]["myRedemptions"]["edges"] == []
    # Nor can another user reach one by its id.
    peek = await gql(
        client, "query ($id: ID!) { node(id: $id) { id } }", {"id": theirs}, account=me
    )
    assert [e["extensions"]["code"] for e in peek["errors"]] == ["FORBIDDEN"]


async def test_malformed_redemption_ids_are_payload_errors(
    client: httpx.AsyncClient, db: AsyncEngine
) -> None:
    admin = await an_admin(client, db)
    for mutation in (FULFILL, CANCEL):
        for bad in ("not-an-id", to_global_id("Reward", uuid.uuid4())):
            payload = await mutate(client, admin, mutation, id=bad)
            assert payload == {
                "redemption": None,
                "errors": [{"code": "NOT_FOUND", "field": "id"}],
            }, (mutation, bad)
