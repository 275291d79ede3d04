"""Jobs and data exports."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Update, bindparam, insert, or_, select, text, update

from core.ids import new_id
from db.base import utcnow
from db.models.jobs import DataExport, Job, JobStatus
from db.repositories.base import Repository
from db.repositories.driver import DriverStatement

# Every job runs the statements below, so they are built once: building one and computing
# its cache key took more CPU than running it (profiled in a worker). Not `in_`, whose list
# is expanded into the SQL at each run; and the ORM's pass over the session after an UPDATE
# is skipped (`synchronize_session`): no session reads a job it has just updated.
_UNFINISHED = or_(Job.status == JobStatus.QUEUED, Job.status == JobStatus.RUNNING)
_NO_SYNC = {"synchronize_session": False}
_START = (
    update(Job)
    .where(Job.id == bindparam("job_id"), _UNFINISHED)
    .values(
        status=JobStatus.RUNNING,
        attempts=Job.attempts + 1,
        started_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(Job)
    .execution_options(populate_existing=True, **_NO_SYNC)
)


def _finish(**values: Any) -> Update:
    return (
        update(Job)
        .where(Job.id == bindparam("job_id"), _UNFINISHED)
        .values(finished_at=bindparam("now"), updated_at=bindparam("now"), **values)
        .returning(Job.id)
        .execution_options(**_NO_SYNC)
    )


_SUCCEED = _finish(
    status=JobStatus.SUCCEEDED, progress=1.0, result=bindparam("new_result"), error=None
)
# A job that failed keeps the progress it made.
_FAIL = _finish(status=JobStatus.FAILED, result=None, error=bindparam("new_error"))


_COLUMNS = tuple(Job.__table__.columns)
# Every job starts here, mostly from an api request: on PostgreSQL the row goes to the
# driver, without the ORM's flush.
_INSERT = insert(Job).values({column.name: bindparam(column.name) for column in _COLUMNS})
_INSERT_ON_DRIVER = DriverStatement(_INSERT)


def _values(job: Job) -> dict[str, Any]:
    return {column.name: getattr(job, column.key) for column in _COLUMNS}


class JobRepository(Repository[Job]):
    model = Job

    async def create(self, *, owner_id: uuid.UUID | None, kind: str, actor: str) -> Job:
        """Writes a QUEUED job in the session's transaction. On PostgreSQL the job returned
        is not in the session: a later flush must not write it again."""
        job = self.new(owner_id=owner_id, kind=kind, actor=actor)
        await self.insert(job)
        return job

    @staticmethod
    def new(*, owner_id: uuid.UUID | None, kind: str, actor: str) -> Job:
        """A QUEUED job, not written yet."""
        now = utcnow()
        return Job(
            id=new_id(),
            owner_id=owner_id,
            kind=kind,
            actor=actor,
            status=JobStatus.QUEUED,
            progress=0.0,
            result=None,
            error=None,
            attempts=0,
            started_at=None,
            finished_at=None,
            created_at=now,
            updated_at=now,
        )

    async def insert(self, job: Job) -> None:
        """Writes a new job in the session's transaction."""
        if self.session.get_bind().dialect.name == "postgresql":
            await _INSERT_ON_DRIVER.fetch(self.session, _values(job))
        else:
            self.add(job)
            await self.session.flush()

    @staticmethod
    def insert_on(job: Job) -> Callable[[Connection], None]:
        """Writes a new job on a connection whose transaction has begun (PostgreSQL)."""

        def write(connection: Connection) -> None:
            connection.execute(_INSERT, _values(job))

        return write

    async def relax_durability(self) -> None:
        """This transaction's commit may return before its WAL reaches disk (PostgreSQL)."""
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            await self.session.execute(text("SET LOCAL synchronous_commit = off"))

    async def start(self, job_id: uuid.UUID, now: datetime) -> Job | None:
        """Marks a job running and counts the attempt; None when it already finished."""
        return await self.session.scalar(_START, {"job_id": job_id, "now": now})

    async def advance(self, job_id: uuid.UUID, progress: float, now: datetime) -> None:
        """Raises a running job's progress; it never moves backwards."""
        await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.progress < progress)
            .values(progress=progress, updated_at=now),
            execution_options=_NO_SYNC,
        )

    async def finish(
        self,
        job_id: uuid.UUID,
        now: datetime,
        *,
        status: JobStatus,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> bool:
        """Ends an unfinished job; False when it had ended already (someone else ended it)."""
        params: dict[str, Any] = {"job_id": job_id, "now": now}
        if status == JobStatus.SUCCEEDED:
            statement, params["new_result"] = _SUCCEED, result
        elif status == JobStatus.FAILED:
            statement, params["new_error"] = _FAIL, error
        else:
            raise ValueError(f"{status} does not end a job")
        row = (await self.session.execute(statement, params)).one_or_none()
        return row is not None

    async def stale(self, older_than: datetime, limit: int) -> list[Job]:
        """Jobs still QUEUED long after they were written: their message may be lost."""
        rows = await self.session.scalars(
            select(Job)
            .where(Job.status == JobStatus.QUEUED, Job.updated_at < older_than)
            .order_by(Job.updated_at)
            .limit(limit)
        )
        return list(rows)

    async def touch(self, job_ids: list[uuid.UUID], now: datetime) -> None:
        await self.session.execute(update(Job).where(Job.id.in_(job_ids)).values(updated_at=now))


class ExportRepository(Repository[DataExport]):
    model = DataExport

    async def for_job(self, job_id: uuid.UUID) -> DataExport | None:
        return await self.session.scalar(select(DataExport).where(DataExport.job_id == job_id))

    async def claim(self, job_id: uuid.UUID, now: datetime) -> bool:
        """Marks the export downloaded, atomically: only one caller ever gets True."""
        row = (
            await self.session.execute(
                update(DataExport)
                .where(
                    DataExport.job_id == job_id,
                    DataExport.downloaded_at.is_(None),
                    DataExport.expires_at > now,
                )
                .values(downloaded_at=now)
                .returning(DataExport.id)
            )
        ).one_or_none()
        return row is not None
