"""PostgreSQL rolling a transaction back to let another through (a deadlock, a
serialization failure) is a CONFLICT the client may retry, and a commit refused for it is
known not to have happened: nothing of it is kept."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from graphql import GraphQLError
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.outages import CONFLICT, CommitOutcomeUnknown, outage_code
from core.unit_of_work import UnitOfWork
from db.models.jobs import Job
from db.repositories.jobs import JobRepository
from graph.errors import shape_errors
from tests.conftest import requires_postgres

pytestmark = requires_postgres

LOCK = text("SELECT 1 FROM jobs WHERE id = :id FOR UPDATE")
Factory = async_sessionmaker[AsyncSession]


async def kinds(session_factory: Factory) -> list[str]:
    async with session_factory() as session:
        return list((await session.scalars(select(Job.kind).order_by(Job.kind))).all())


async def two_jobs(session_factory: Factory) -> tuple[uuid.UUID, uuid.UUID]:
    async with UnitOfWork(session_factory) as uow:
        jobs = JobRepository(uow.session)
        a = await jobs.create(owner_id=None, kind="A", actor="noop")
        b = await jobs.create(owner_id=None, kind="B", actor="noop")
        await uow.commit()
    return a.id, b.id


async def test_the_loser_of_a_deadlock_is_told_conflict_and_the_winner_commits(
    session_factory: Factory,
) -> None:
    a, b = await two_jobs(session_factory)
    holding = {a: asyncio.Event(), b: asyncio.Event()}

    async def lock_both(mine: uuid.UUID, theirs: uuid.UUID, kind: str) -> None:
        async with UnitOfWork(session_factory) as uow:
            await uow.session.execute(LOCK, {"id": mine})
            holding[mine].set()
            await holding[theirs].wait()
            await uow.session.execute(LOCK, {"id": theirs})
            await uow.session.execute(
                text("UPDATE jobs SET kind = :kind WHERE id IN (:a, :b)"),
                {"kind": kind, "a": a, "b": b},
            )
            await uow.commit()

    results = await asyncio.gather(
        lock_both(a, b, "first"), lock_both(b, a, "second"), return_exceptions=True
    )
    [lost] = [r for r in results if isinstance(r, BaseException)]
    assert outage_code(lost) == CONFLICT
    winner = "first" if results[0] is None else "second"
    assert await kinds(session_factory) == [winner, winner]


async def test_a_commit_refused_by_a_serialization_failure_is_known_not_to_have_happened(
    session_factory: Factory,
) -> None:
    """Write skew under SERIALIZABLE: each transaction counts the other's kind and adds its
    own; the second to commit is refused at its commit. That refusal is the server's own
    rollback, so it is a CONFLICT to retry, not an outcome left unknown."""
    read, wrote = asyncio.Barrier(2), asyncio.Barrier(2)
    committing: list[str] = []

    async def count_then_add(counted: str, added: str) -> None:
        async with UnitOfWork(session_factory) as uow:
            await uow.session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
            await uow.session.scalar(
                select(func.count()).select_from(Job).where(Job.kind == counted)
            )
            await read.wait()
            await JobRepository(uow.session).create(owner_id=None, kind=added, actor="noop")
            await wrote.wait()
            committing.append(added)
            await uow.commit()

    results = await asyncio.gather(
        count_then_add("B", "A"), count_then_add("A", "B"), return_exceptions=True
    )
    assert sorted(committing) == ["A", "B"]  # both reached their commit
    [refused] = [r for r in results if isinstance(r, BaseException)]
    assert not isinstance(refused, CommitOutcomeUnknown)
    assert outage_code(refused) == CONFLICT
    kept = "A" if results[0] is None else "B"
    assert await kinds(session_factory) == [kept]


def test_a_conflict_reaches_the_client_as_retryable_without_the_driver_text() -> None:
    error = GraphQLError(
        "deadlock detected", path=["completeTask"], original_error=asyncpg.DeadlockDetectedError()
    )
    [shaped] = shape_errors([error], field_suggestions=False)
    assert shaped.formatted == {
        "message": "Another change got in the way at the same moment; retry",
        "path": ["completeTask"],
        "extensions": {"code": "CONFLICT", "requestId": None, "retryable": True},
    }


def test_a_commit_of_unknown_outcome_tells_the_client_to_look_before_retrying() -> None:
    try:
        raise CommitOutcomeUnknown("the connection failed during the commit") from (
            asyncpg.ConnectionDoesNotExistError("closed mid-operation")
        )
    except CommitOutcomeUnknown as lost:
        error = GraphQLError("lost", path=["completeTask"], original_error=lost)
    [shaped] = shape_errors([error], field_suggestions=False)
    assert shaped.formatted == {
        "message": "The database was lost while saving: the change may or may not have been "
        "saved; read it back before trying again",
        "path": ["completeTask"],
        "extensions": {"code": "OUTCOME_UNKNOWN", "requestId": None},
    }
