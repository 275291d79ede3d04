from __future__ import annotations

import uuid

import strawberry

from core.errors import UserInputError
from core.ids import from_global_id
from graph.context import Context
from graph.jobs.types import Job
from graph.permissions import IsAuthenticated
from graph.relay import register_node
from resolvers import jobs


async def fetch_job(info: strawberry.Info[Context, None], job_id: uuid.UUID) -> Job | None:
    found = await jobs.get_job(info.context.session_factory, info.context.viewer, job_id)
    return None if found is None else Job.from_model(found)


register_node("Job", fetch_job)


def job_id_of(id: strawberry.ID) -> uuid.UUID:
    type_name, local = from_global_id(id)
    if type_name != "Job":
        raise UserInputError("Not a job id", code="INVALID_ID", field="id")
    return local


@strawberry.type
class JobQuery:
    @strawberry.field(
        description="One of your jobs by id; null if it does not exist.",
        permission_classes=[IsAuthenticated],
    )
    async def job(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> Job | None:
        return await fetch_job(info, job_id_of(id))
