from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graph.context import Context
from graph.events import on_drop, per_event
from graph.jobs.queries import job_id_of
from graph.jobs.types import Job
from graph.permissions import IsAuthenticated
from resolvers import jobs


@strawberry.type
class JobSubscription:
    @strawberry.subscription(
        description="One of your jobs as it is now, then each time its status or progress "
        "changes; completes once the job has SUCCEEDED or FAILED.",
        permission_classes=[IsAuthenticated],
    )
    async def job_updated(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> AsyncGenerator[Job, None]:
        updates = jobs.follow_job(
            info.context.session_factory, info.context.viewer, job_id_of(id), on_drop(info)
        )
        async for job in per_event(info, updates):
            yield Job.from_model(job)
