"""The user's copy of their data (GDPR access): made by a worker, downloadable once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import NotFoundError, UserInputError
from core.unit_of_work import UnitOfWork
from db.models.jobs import DataExport, Job
from db.repositories.jobs import ExportRepository, JobRepository
from db.repositories.study_data import owned_study_data
from db.repositories.users import owned_data
from resolvers.access import Viewer, require_viewer
from resolvers.jobs import Progress, create_job

EXPORT_KIND = "EXPORT_MY_DATA"
EXPORT_ACTOR = "users.export_data"
EXPORT_LIFETIME = timedelta(days=7)


class ExportGone(UserInputError):
    """Downloaded already, or expired: an export is handed out once."""

    code = "EXPORT_GONE"


async def request_export(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None
) -> Job:
    signed_in = require_viewer(viewer)
    async with UnitOfWork(session_factory) as uow:
        job = await create_job(
            uow, owner_id=signed_in.user_id, kind=EXPORT_KIND, actor=EXPORT_ACTOR
        )
        await uow.commit()
    return job


async def build_export(uow: UnitOfWork, job: Job, progress: Progress) -> dict[str, Any]:
    """The job's work: a snapshot of everything the owner has, committed with the job."""
    if job.owner_id is None:
        raise ValueError(f"export job {job.id} has no owner")
    content = await owned_data(uow.session, job.owner_id)
    await progress(0.5)  # the account gathered; the study history follows
    content |= await owned_study_data(uow.session, job.owner_id)
    content["exportedAt"] = datetime.now(UTC).isoformat()
    export = ExportRepository(uow.session).add(
        DataExport(
            user_id=job.owner_id,
            job_id=job.id,
            content=content,
            expires_at=datetime.now(UTC) + EXPORT_LIFETIME,
        )
    )
    await uow.session.flush()
    return {"downloadPath": f"/exports/{job.id}", "expiresAt": export.expires_at.isoformat()}


async def take_export(
    session_factory: async_sessionmaker[AsyncSession], viewer: Viewer | None, job_id: uuid.UUID
) -> dict[str, Any]:
    """Hands the export to its owner once and erases it."""
    signed_in = require_viewer(viewer)
    now = datetime.now(UTC)
    async with UnitOfWork(session_factory) as uow:
        job = await JobRepository(uow.session).get(job_id)
        exports = ExportRepository(uow.session)
        export = await exports.for_job(job_id) if job is not None else None
        if export is None or export.user_id != signed_in.user_id:
            raise NotFoundError("No such export")
        if not await exports.claim(job_id, now):
            raise ExportGone("This export was downloaded already or has expired")
        content = dict(export.content or {})
        export.content = None
        await uow.commit()
    return content
