"""A process's job rows written in batches across the jobs it handles at once (PostgreSQL).

Writing a QUEUED job when nothing else in its unit of work writes (an api request that only
starts a job), marking a job RUNNING, and SUCCEEDED when its work wrote nothing to the
database, are single-row writes that need no transaction of their own: through a session,
each paid for a pool checkout, a ping, BEGIN and COMMIT, more than the bare cost of a job
in Dramatiq itself. The ledger keeps one connection for them and sends the writes that
arrived while the previous batch was in flight as one statement per kind, so a busy
process pays one round trip for many jobs and an idle one still gets its answer after a
single round trip.

A process attaches one ledger to its engine (`attach`); units of work on that engine find
it with `ledger_for`. The ledger may hold its connection from an engine of its own (as the
api's does), so that the pool its requests share is not one connection short.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
import weakref
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import (
    JSON,
    Engine,
    String,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.base import utcnow
from db.engine import json_text
from db.models.jobs import Job, JobStatus
from db.repositories.driver import DriverStatement

# "Not ended" rather than "QUEUED or RUNNING": the same rows, but a condition no index can
# serve, so the plan of a statement prepared for any number of ids looks them up by key.
# Offered the status index, a generic plan scanned every queued job's entry for each batch.
_UNFINISHED = and_(Job.status != JobStatus.SUCCEEDED, Job.status != JobStatus.FAILED)
_IDS = bindparam("ids", type_=ARRAY(Uuid))
# Run outside any transaction, each statement commits on its own: a change is durable once
# its caller has the answer.
_START = DriverStatement(
    update(Job)
    .where(Job.id == any_(_IDS), _UNFINISHED)
    .values(
        status=JobStatus.RUNNING,
        attempts=Job.attempts + 1,
        started_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(*Job.__table__.columns)
)
_BATCH = (
    func.unnest(_IDS, bindparam("results", type_=ARRAY(Text)))
    .table_valued("id", "result")
    .render_derived(name="batch")
)
_SUCCEED = DriverStatement(
    update(Job)
    .where(Job.id == _BATCH.c.id, _UNFINISHED)
    .values(
        status=JobStatus.SUCCEEDED,
        progress=1.0,
        result=cast(_BATCH.c.result, JSON),
        error=None,
        finished_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(Job.id)
)


_NEW = (
    func.unnest(
        bindparam("ids", type_=ARRAY(Uuid)),
        bindparam("owners", type_=ARRAY(Uuid)),
        bindparam("kinds", type_=ARRAY(String)),
        bindparam("actors", type_=ARRAY(String)),
        bindparam("times", type_=ARRAY(Job.__table__.c.created_at.type)),
    )
    .table_valued("id", "owner_id", "kind", "actor", "at")
    .render_derived(name="batch")
)
_CREATE = DriverStatement(
    insert(Job).from_select(
        [column.name for column in Job.__table__.columns],
        select(
            *(
                {
                    "id": _NEW.c.id,
                    "owner_id": _NEW.c.owner_id,
                    "kind": _NEW.c.kind,
                    "actor": _NEW.c.actor,
                    "status": literal(JobStatus.QUEUED.value),
                    "progress": literal(0.0),
                    "attempts": literal(0),
                    "created_at": _NEW.c.at,
                    "updated_at": _NEW.c.at,
                }.get(column.name, null())
                for column in Job.__table__.columns
            )
        ).select_from(_NEW),
    )
)
_LEDGERS: weakref.WeakKeyDictionary[Engine, JobLedger] = weakref.WeakKeyDictionary()


def attach(engine: AsyncEngine, ledger: JobLedger) -> JobLedger:
    """Makes `ledger` the one units of work on `engine` write through, until it closes."""
    _LEDGERS[engine.sync_engine] = ledger
    return ledger


def ledger_for(engine: AsyncEngine | None) -> JobLedger | None:
    """The ledger attached to the engine, if any."""
    return None if engine is None else _LEDGERS.get(engine.sync_engine)


class JobLedger:
    """Writes new jobs and marks jobs RUNNING or SUCCEEDED in batches, on one connection of
    its own.

    Every change a caller asks for while a batch is in flight joins the next one. The
    batches run in a task of their own, so a caller cancelled by its time limit does not
    cut short the batch of the others; a failed batch fails each of its callers (their
    messages are retried), and the next batch opens a new connection.
    """

    def __init__(self, engine: AsyncEngine, *, ping_after_idle_seconds: float = 1.0):
        self._engine = engine
        self._ping_after_idle = ping_after_idle_seconds
        self._connection: AsyncConnection | None = None
        self._driver: asyncpg.Connection | None = None
        self._used_at = 0.0
        self._creations: list[tuple[Job, asyncio.Future[None]]] = []
        self._starts: list[tuple[uuid.UUID, asyncio.Future[Job | None]]] = []
        self._successes: list[tuple[uuid.UUID, str, asyncio.Future[bool]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def create(self, job: Job) -> None:
        """Writes a QUEUED job (its id, owner, kind, actor and creation time), committed
        once this returns."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._creations.append((job, future))
        self._flush_soon()
        await future

    async def start(self, job_id: uuid.UUID) -> Job | None:
        """Marks the job RUNNING and counts the attempt; None when it has finished already
        or is gone. The job returned is not attached to any session."""
        future: asyncio.Future[Job | None] = asyncio.get_running_loop().create_future()
        self._starts.append((job_id, future))
        self._flush_soon()
        return await future

    async def succeed(self, job_id: uuid.UUID, result: dict[str, Any]) -> bool:
        """Marks an unfinished job SUCCEEDED with its result; False when it had ended
        already (another delivery finished it first)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._successes.append((job_id, json_text(result), future))
        self._flush_soon()
        return await future

    async def close(self) -> None:
        """Lets the batch in flight finish, then gives the connection back; the engine has
        no ledger after this."""
        for engine, ledger in list(_LEDGERS.items()):
            if ledger is self:
                del _LEDGERS[engine]
        if self._flushing is not None:
            await asyncio.wait([self._flushing])
        await self._disconnect(invalidate=False)

    def _flush_soon(self) -> None:
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush(), name="job-ledger")

    async def _flush(self) -> None:
        while self._creations or self._starts or self._successes:
            creations, self._creations = self._creations, []
            starts, self._starts = self._starts, []
            successes, self._successes = self._successes, []
            try:
                driver = await self._connect()
                if creations:
                    await self._run_creations(driver, creations)
                if starts:
                    await self._run_starts(driver, starts)
                if successes:
                    await self._run_successes(driver, successes)
            except BaseException as exc:
                futures: list[asyncio.Future[Any]] = [future for _, future in creations]
                futures += [future for _, future in starts]
                futures += [future for *_, future in successes]
                for future in futures:
                    if future.done():
                        continue
                    if isinstance(exc, Exception):
                        future.set_exception(exc)
                    else:
                        future.cancel()
                # Its state is unknown (a statement may still be running on it).
                await self._disconnect(invalidate=True)
                if not isinstance(exc, Exception):
                    raise

    @staticmethod
    async def _run_creations(
        driver: asyncpg.Connection, creations: Sequence[tuple[Job, asyncio.Future[None]]]
    ) -> None:
        try:
            await _create(driver, [job for job, _ in creations])
        except asyncpg.IntegrityConstraintViolationError:
            # One job's owner is gone, say: the statement wrote nothing, and each job is
            # written again alone so that only the callers at fault fail.
            for job, future in creations:
                try:
                    await _create(driver, [job])
                except asyncpg.IntegrityConstraintViolationError as exc:
                    if not future.done():
                        future.set_exception(exc)
                    continue
                if not future.done():
                    future.set_result(None)
            return
        for _, future in creations:
            if not future.done():
                future.set_result(None)

    @staticmethod
    async def _run_starts(
        driver: asyncpg.Connection, starts: Sequence[tuple[uuid.UUID, asyncio.Future[Job | None]]]
    ) -> None:
        ids = [job_id for job_id, _ in starts]
        rows = await driver.fetch(_START.sql, *_START.arguments({"ids": ids, "now": utcnow()}))
        started = {row["id"]: row for row in rows}
        for job_id, future in starts:
            row = started.get(job_id)
            if not future.done():
                future.set_result(None if row is None else _job(row))

    @staticmethod
    async def _run_successes(
        driver: asyncpg.Connection, successes: Sequence[tuple[uuid.UUID, str, asyncio.Future[bool]]]
    ) -> None:
        ids = [job_id for job_id, _, _ in successes]
        results = [result for _, result, _ in successes]
        values = {"ids": ids, "results": results, "now": utcnow()}
        ended = {row["id"] for row in await driver.fetch(_SUCCEED.sql, *_SUCCEED.arguments(values))}
        for job_id, _, future in successes:
            # Two deliveries of one job in a batch: the first ended it, the other did not.
            finished = job_id in ended
            ended.discard(job_id)
            if not future.done():
                future.set_result(finished)

    async def _connect(self) -> asyncpg.Connection:
        """The ledger's connection. One that sat idle is pinged first, as the pool pings
        what it hands out: a server restarted meanwhile costs a new connection, not the
        batch. A connection that dies while busy fails the batch in flight."""
        now = time.monotonic()
        idle, self._used_at = now - self._used_at, now
        if self._driver is not None and idle >= self._ping_after_idle:
            try:
                await self._driver.execute("SELECT 1")
            except Exception:
                await self._disconnect(invalidate=True)
        if self._driver is not None:
            return self._driver
        connection = await self._engine.connect()
        try:
            # The pool's ping may have begun a transaction on the adapter: ending it through
            # SQLAlchemy leaves the connection in autocommit, where each statement commits.
            await connection.exec_driver_sql("SELECT 1")
            await connection.commit()
            driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
            # Each batch is planned for itself. The plan the server would otherwise keep for
            # good was made while the table was small (a new deployment, or just emptied):
            # a sequential scan, which then ran over the whole table for every batch, more
            # CPU with each job (on the jobs bench, 1 ms of the server's per job).
            await driver.execute("SET plan_cache_mode = force_custom_plan")
        except BaseException:
            await connection.invalidate()
            await connection.close()
            raise
        self._connection, self._driver = connection, driver
        return driver

    async def _disconnect(self, *, invalidate: bool) -> None:
        connection, self._connection = self._connection, None
        driver, self._driver = self._driver, None
        if connection is None:
            return
        if not invalidate and driver is not None:
            # Back in the pool, the connection plans as every other does.
            with contextlib.suppress(Exception):
                await driver.execute("RESET plan_cache_mode")
        if invalidate:
            await connection.invalidate()
        await connection.close()


async def _create(driver: asyncpg.Connection, jobs: Sequence[Job]) -> None:
    values = {
        "ids": [job.id for job in jobs],
        "owners": [job.owner_id for job in jobs],
        "kinds": [job.kind for job in jobs],
        "actors": [job.actor for job in jobs],
        "times": [job.created_at for job in jobs],
    }
    await driver.execute(_CREATE.sql, *_CREATE.arguments(values))


_NEW_JOB = Job.__mapper__.class_manager.new_instance


def _job(row: asyncpg.Record) -> Job:
    """The row as a Job in no session, built as the ORM builds a loaded one: its values
    straight into the instance's dict (the mapped constructor took about 5% of a busy
    worker's time)."""
    job = _NEW_JOB()
    job.__dict__.update(row.items())
    job.__dict__["status"] = JobStatus(row["status"])
    return job
