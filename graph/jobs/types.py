from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from core.ids import to_global_id
from db.models import jobs as models
from graph.errors import UserError
from graph.permissions import Guarded
from graph.relay import Node

strawberry.enum(models.JobStatus, name="JobStatus", description="Where a job is in its life.")
JobStatusType = models.JobStatus


@strawberry.type(description="Work done in the background; readable by its owner (and admins).")
class Job(Node, Guarded):
    source: strawberry.Private[models.Job]
    kind: str = strawberry.field(description="What the job does, e.g. EXPORT_MY_DATA.")
    status: JobStatusType = strawberry.field(description="QUEUED, RUNNING, SUCCEEDED or FAILED.")
    progress: float = strawberry.field(description="From 0 to 1.")
    result: JSON | None = strawberry.field(description="What the job produced, once SUCCEEDED.")
    error: str | None = strawberry.field(description="Why the job FAILED.")
    attempts: int = strawberry.field(description="How many times a worker started it.")
    created_at: datetime = strawberry.field(description="When it was requested.")
    started_at: datetime | None = strawberry.field(description="When a worker last started it.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")

    @classmethod
    def from_model(cls, job: models.Job) -> Job:
        return cls(
            source=job,
            id=strawberry.ID(to_global_id("Job", job.id)),
            kind=job.kind,
            status=job.status,
            progress=job.progress,
            result=job.result,  # type: ignore[arg-type]
            error=job.error,
            attempts=job.attempts,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


@strawberry.type(description="The result of requesting a job.")
class JobPayload:
    job: Job | None = strawberry.field(description="The job, QUEUED.")
    errors: list[UserError] = strawberry.field(description="Why nothing was queued, if so.")
