"""The baseline of bench/goals.py: the goals tree served the way lazy loading serves it.

    python -m bench.naive_goals [--host 127.0.0.1] [--port 8001]

Configured like `studygraph serve` (environment variables), and the very same application
(`graph.app.create_app`: middleware, authentication, pools, companions, schema extensions)
with one difference: the HTTP `/graphql` route executes a small schema of its own whose
relation fields load per parent object, each in its own session, as lazy relationship
loading without DataLoaders does: one query for each goal's milestones and progress, each
milestone's tasks and each task's dependencies. Its field names are those of the real
schema, so the bench sends the same query text to both.
"""

from __future__ import annotations

import argparse

import strawberry
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.schema.config import StrawberryConfig

from core.cursors import encode_cursor
from core.errors import AuthenticationError, PermissionDeniedError
from core.gc_tuning import tune_for_serving
from core.ids import to_global_id
from core.logging import configure_logging
from core.settings import Settings
from db.models import goals as models
from db.models.users import User
from db.repositories.goals import GoalRepository
from graph.app import ANY_METHOD, Companion, create_app
from graph.context import Context
from graph.goals.enums import TaskStatus
from graph.goals.types import DEFAULT_GOAL_STATUSES
from graph.http import GraphQLHTTPEndpoint
from graph.permissions import Guarded, IsAuthenticated
from graph.relay import Connection, check_page_size
from graph.schema import StudyGraphSchema, extensions_for
from resolvers.access import is_self_or_admin, require_viewer
from resolvers.goals import progress
from workers.embedded import in_process_workers, job_sender

Info = strawberry.Info[Context, None]


def _cursor(row: models.Goal | models.Task) -> str:
    # As the real lists encode theirs (keyset on id).
    return encode_cursor([str(row.id)])


@strawberry.type(name="Task")
class NaiveTask(Guarded):
    source: strawberry.Private[models.Task]
    id: strawberry.ID
    title: str
    status: TaskStatus

    @strawberry.field
    async def depends_on(self, info: Info) -> list[NaiveTask]:
        async with info.context.session_factory() as session:
            found = await session.scalars(
                select(models.Task)
                .join(models.TaskDependency, models.TaskDependency.depends_on_id == models.Task.id)
                .where(models.TaskDependency.task_id == self.source.id)
                .order_by(models.Task.id)
            )
            return [NaiveTask.from_model(task) for task in found]

    @classmethod
    def from_model(cls, task: models.Task) -> NaiveTask:
        return cls(
            source=task,
            id=strawberry.ID(to_global_id("Task", task.id)),
            title=task.title,
            status=task.status,
        )


@strawberry.type(name="Milestone")
class NaiveMilestone(Guarded):
    source: strawberry.Private[models.Milestone]
    id: strawberry.ID
    title: str

    @strawberry.field
    async def tasks(
        self, info: Info, first: int, after: str | None = None
    ) -> Connection[NaiveTask]:
        limit = check_page_size(first, info.context.settings.max_page_size)
        async with info.context.session_factory() as session:
            found = list(
                await session.scalars(
                    select(models.Task)
                    .where(models.Task.milestone_id == self.source.id)
                    .order_by(models.Task.id)
                    .limit(limit + 1)
                )
            )
        return Connection.build(
            found[:limit],
            [_cursor(task) for task in found[:limit]],
            has_next_page=len(found) > limit,
            has_previous_page=after is not None,
            to_node=NaiveTask.from_model,
        )


@strawberry.type(name="Goal")
class NaiveGoal(Guarded):
    source: strawberry.Private[models.Goal]
    id: strawberry.ID
    title: str

    @strawberry.field
    async def progress(self, info: Info) -> float:
        async with info.context.session_factory() as session:
            effort = await GoalRepository(session).effort([self.source.id])
        return progress(self.source, effort.get(self.source.id))

    @strawberry.field
    async def milestones(self, info: Info) -> list[NaiveMilestone]:
        async with info.context.session_factory() as session:
            found = await session.scalars(
                select(models.Milestone)
                .where(models.Milestone.goal_id == self.source.id)
                .order_by(models.Milestone.position, models.Milestone.id)
            )
            return [
                NaiveMilestone(
                    source=m, id=strawberry.ID(to_global_id("Milestone", m.id)), title=m.title
                )
                for m in found
            ]


@strawberry.type(name="User")
class NaiveUser(Guarded):
    source: strawberry.Private[User]
    id: strawberry.ID

    @strawberry.field
    async def goals(
        self, info: Info, first: int, after: str | None = None
    ) -> Connection[NaiveGoal]:
        if not is_self_or_admin(info.context.viewer, self.source.id):
            raise PermissionDeniedError("Not found")
        limit = check_page_size(first, info.context.settings.max_page_size)
        async with info.context.session_factory() as session:
            found = list(
                await session.scalars(
                    select(models.Goal)
                    .where(
                        models.Goal.user_id == self.source.id,
                        models.Goal.status.in_(DEFAULT_GOAL_STATUSES),
                    )
                    .order_by(models.Goal.id)
                    .limit(limit + 1)
                )
            )
        return Connection.build(
            found[:limit],
            [_cursor(goal) for goal in found[:limit]],
            has_next_page=len(found) > limit,
            has_previous_page=after is not None,
            to_node=lambda goal: NaiveGoal(
                source=goal, id=strawberry.ID(to_global_id("Goal", goal.id)), title=goal.title
            ),
        )


@strawberry.type(name="Query")
class NaiveQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    async def me(self, info: Info) -> NaiveUser:
        viewer = require_viewer(info.context.viewer)
        async with info.context.session_factory() as session:
            found = await session.get(User, viewer.user_id)
        if found is None:
            raise AuthenticationError("The account no longer exists")
        return NaiveUser(source=found, id=strawberry.ID(to_global_id("User", found.id)))


def build_naive_schema(settings: Settings) -> StudyGraphSchema:
    # The real schema's extensions (caches, limits, visibility guard): only loading differs.
    return StudyGraphSchema(
        query=NaiveQuery,
        extensions=extensions_for(settings),
        config=StrawberryConfig(disable_field_suggestions=not settings.field_suggestions_enabled),
    )


def create_naive_app(settings: Settings, companions: list[Companion]) -> Starlette:
    """The real app with the HTTP `/graphql` route executing the naive schema instead."""
    app = create_app(settings, companions)
    for index, route in enumerate(app.router.routes):
        if isinstance(route, Route) and route.path == "/graphql":
            real = getattr(route.endpoint, "__self__", None)
            assert isinstance(real, GraphQLHTTPEndpoint)
            # The real endpoint's context factory and persisted queries: the same
            # authentication and sessions.
            naive = GraphQLHTTPEndpoint(
                build_naive_schema(settings), settings, real.make_context, real.persisted
            )
            app.router.routes[index] = Route("/graphql", naive.handle, methods=ANY_METHOD)
            return app
    raise RuntimeError("create_app no longer has an HTTP /graphql route")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    settings = Settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    # As `studygraph serve` runs it, so both servers carry the same background work.
    companions: list[Companion] = [in_process_workers if settings.embedded else job_sender]
    app = create_naive_app(settings, companions)
    tune_for_serving()  # as `studygraph serve` does
    print(f"naive goals API at http://{args.host}:{args.port}/graphql", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        ws_max_size=settings.max_ws_message_bytes,
        timeout_graceful_shutdown=20,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
