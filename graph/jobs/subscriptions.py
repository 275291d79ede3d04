from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from core.errors import UserInputError
from core.ids import from_global_id
from graph.context import Context
from graph.events import on_drop, per_event
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
        type_name, local = from_global_id(id)
        if type_name != "Job":
            raise UserInputError("Not a job id", code="INVALID_ID", field="id")
        updates = jobs.follow_job(
            info.context.session_factory, info.context.viewer, local, on_drop(info)
        )
        async for job in per_event(info, updates):
            yield Job.from_model(job)
