"""The Starlette application: /graphql over HTTP and WebSocket, /health and /ready."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from core.errors import AuthenticationError
from core.event_bus import bus_for, running
from core.redis import create_redis
from core.settings import Settings
from db.engine import create_engine, create_session_factory
from graph.context import Context
from graph.exports import export_endpoint
from graph.http import GraphQLHTTPEndpoint
from graph.live import LiveConnections, follow_revocations
from graph.metrics import MetricsMiddleware, metrics_endpoint
from graph.middleware import RequestIdMiddleware
from graph.persisted_queries import PersistedQueries
from graph.schema import build_schema
from graph.websocket import GraphQLWebSocket, bearer_token
from resolvers import gamification, schedules, social
from resolvers.access import Viewer
from resolvers.auth import AuthService
from resolvers.jobs import job_ledger
from resolvers.system import database_ready

log = logging.getLogger(__name__)

READY_CHECK_TIMEOUT_SECONDS = 2.0
# The GraphQL endpoint answers every method itself, so others get a GraphQL-shaped 405.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# Something the process entry point runs for the app's whole life (the in-process worker
# of the embedded default, say), without graph/ importing workers/.
Companion = Callable[[Settings], AbstractAsyncContextManager[None]]


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    redis: aioredis.Redis
    auth: AuthService


def create_app(settings: Settings, companions: Sequence[Companion] = ()) -> Starlette:
    schema = build_schema(settings)
    resources: list[Resources] = []

    def current() -> Resources:
        if not resources:
            raise RuntimeError("the application has not started")
        return resources[0]

    live = LiveConnections()

    async def make_context(request: Request | WebSocket) -> Context:
        """Over HTTP the caller is authenticated here; a bad token is refused with 401.

        Over WebSocket the token arrives later, in `connection_init`.
        """
        res = current()
        context = Context(
            request=request,
            settings=settings,
            session_factory=res.session_factory,
            redis=res.redis,
            auth=res.auth,
            request_id=request.scope.get("state", {}).get("request_id", ""),
            live=live if isinstance(request, WebSocket) else None,
        )
        if isinstance(request, Request) and "authorization" in request.headers:
            token = bearer_token(request.headers["authorization"])
            if token is None:
                raise AuthenticationError("Use `Authorization: Bearer <access token>`")
            context.viewer = await res.auth.authenticate(token)
        return context

    async def authenticate(token: str) -> Viewer:
        return await current().auth.authenticate(token)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings, role="api")
        redis = create_redis(settings)
        session_factory = create_session_factory(engine)
        auth = AuthService(settings, session_factory, redis)
        resources.append(Resources(settings, engine, session_factory, redis, auth))
        stop = asyncio.Event()
        revocations = asyncio.create_task(follow_revocations(redis, live, stop))
        try:
            async with AsyncExitStack() as stack:
                await stack.enter_async_context(
                    running(bus_for(redis, embedded=settings.redis_url is None))
                )
                stack.enter_context(gamification.installed(redis))
                stack.enter_context(social.installed())
                stack.enter_context(schedules.installed(settings.replan_debounce_ms))
                await stack.enter_async_context(job_ledger(settings, engine))
                for companion in companions:
                    await stack.enter_async_context(companion(settings))
                yield
        finally:
            stop.set()
            await revocations
            resources.clear()
            await redis.aclose()
            await engine.dispose()

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(_request: Request) -> JSONResponse:
        res = current()
        checks = {"database": await _check(database_ready(res.session_factory))}
        if settings.redis_url is not None:
            checks["redis"] = await _check(res.redis.ping())
        ok = all(state == "ok" for state in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    def pool_in_use() -> int:
        pool = current().engine.sync_engine.pool
        checked_out = getattr(pool, "checkedout", None)
        return int(checked_out()) if checked_out is not None else 0

    persisted = PersistedQueries(
        lambda: current().redis, settings.persisted_query_ttl_seconds, settings.max_query_chars
    )
    http = GraphQLHTTPEndpoint(schema, settings, make_context, persisted)
    websocket = GraphQLWebSocket(
        schema,
        settings,
        make_context,
        authenticate,
        live,
        persisted,
        legacy_protocol=settings.legacy_ws_protocol,
    )
    routes: list[Route | WebSocketRoute] = [
        Route("/graphql", http.handle, methods=ANY_METHOD),
        WebSocketRoute("/graphql", websocket),
        Route("/exports/{job_id}", export_endpoint(make_context)),
        Route("/health", health),
        Route("/ready", ready),
        Route("/metrics", metrics_endpoint(lambda: len(live), pool_in_use)),
    ]
    # What /metrics times requests by: each route's fixed part ("/exports" for its ids).
    timed = tuple(dict.fromkeys(route.path.split("/{")[0] for route in routes))
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(MetricsMiddleware, routes=timed),
        ],
        lifespan=lifespan,
    )


async def _check(probe: object) -> str:
    try:
        await asyncio.wait_for(probe, READY_CHECK_TIMEOUT_SECONDS)  # type: ignore[arg-type]
    except Exception as exc:
        log.warning("readiness check failed: %s", exc.__class__.__name__)
        return "unavailable"
    return "ok"
