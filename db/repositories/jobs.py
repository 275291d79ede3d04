"""Jobs and data exports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update

from db.models.jobs import DataExport, Job, JobStatus
from db.repositories.base import Repository


class JobRepository(Repository[Job]):
    model = Job

    async def relax_durability(self) -> None:
        """This transaction's commit may return before its WAL reaches disk (PostgreSQL)."""
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            await self.session.execute(text("SET LOCAL synchronous_commit = off"))

    async def start(self, job_id: uuid.UUID, now: datetime) -> Job | None:
        """Marks a job running and counts the attempt; None when it already finished."""
        return await self.session.scalar(
            update(Job)
            .where(Job.id == job_id, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            .values(
                status=JobStatus.RUNNING,
                attempts=Job.attempts + 1,
                started_at=now,
                updated_at=now,
            )
            .returning(Job),
            execution_options={"populate_existing": True},
        )

    async def advance(self, job_id: uuid.UUID, progress: float, now: datetime) -> None:
        """Raises a running job's progress; it never moves backwards."""
        await self.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.progress < progress)
            .values(progress=progress, updated_at=now)
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
        row = (
            await self.session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                .values(
                    status=status,
                    result=result,
                    error=error,
                    progress=1.0 if status == JobStatus.SUCCEEDED else Job.progress,
                    finished_at=now,
                    updated_at=now,
                )
                .returning(Job.id)
            )
        ).one_or_none()
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
