"""What a worker process owns for its whole life (its event loop, settings, the database
engine) and the job path for plain-`def` actors."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import dramatiq
import redis.asyncio as aioredis
import uvloop
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread, set_event_loop_thread
from dramatiq.middleware import AsyncIO
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.event_bus import EventBus, has_bus, use_bus
from core.redis import create_redis
from core.settings import Settings
from core.unit_of_work import UnitOfWork
from db.engine import create_engine, create_session_factory
from db.models.jobs import Job
from db.repositories.job_ledger import JobLedger, attach
from resolvers.jobs import Progress, complete_job, start_job

R = TypeVar("R")


class UvloopThread(EventLoopThread):
    """Dramatiq's event loop thread, running uvloop as the api does under uvicorn: the
    async actors' loop wakes for every message, and uvloop's wake-ups, callbacks and
    sockets cost a busy worker about a tenth less CPU than asyncio's own loop."""

    def __init__(self, logger: Any):
        super().__init__(logger)
        self.loop.close()  # the asyncio loop the base class made, never run
        self.loop = uvloop.new_event_loop()


class UvloopAsyncIO(AsyncIO):
    """Dramatiq's AsyncIO middleware with its loop thread on uvloop."""

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = UvloopThread(self.logger)
        loop_thread.start(timeout=1.0)
        set_event_loop_thread(loop_thread)


class DatabaseMiddleware(dramatiq.Middleware):
    """Creates the engine (and on PostgreSQL the job ledger) when the worker boots and
    disposes of them when it stops.

    The engine lives on the AsyncIO middleware's event loop, where every async actor runs.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine: AsyncEngine | None = None
        self.session_factory: async_sessionmaker[AsyncSession] | None = None
        self.ledger: JobLedger | None = None

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # Before, not after: worker threads take messages before `after_worker_boot` runs.
        self.engine = create_engine(self.settings, role="worker")
        self.session_factory = create_session_factory(self.engine)
        if not self.settings.is_sqlite:
            self.ledger = attach(self.engine, JobLedger(self.engine))

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        engine, self.engine, self.session_factory = self.engine, None, None
        ledger, self.ledger = self.ledger, None
        loop_thread = get_event_loop_thread()
        if loop_thread is None:
            return
        if ledger is not None:
            loop_thread.run_coroutine(ledger.close())
        if engine is not None:
            loop_thread.run_coroutine(engine.dispose())


def retry_options(settings: Settings) -> dict[str, Any]:
    """Retries, backoff and time limit of HARDENING.md, for actors whose work is a job."""
    return {
        "max_retries": settings.job_max_retries,
        "min_backoff": settings.job_min_backoff_ms,
        "max_backoff": settings.job_max_backoff_ms,
        "time_limit": settings.job_time_limit_ms,
    }


def notification_options(settings: Settings) -> dict[str, Any]:
    """Notifications go stale: one older than an hour is dropped, not delivered late."""
    return {"queue_name": "notifications", "max_age": settings.notification_max_age_ms}


def session_factory_of(broker: dramatiq.Broker) -> async_sessionmaker[AsyncSession]:
    session_factory = _database_of(broker).session_factory
    if session_factory is None:
        raise RuntimeError("the worker has no database (DatabaseMiddleware not booted)")
    return session_factory


def ledger_of(broker: dramatiq.Broker) -> JobLedger | None:
    """The worker's job ledger; None on SQLite, whose jobs go through sessions."""
    return _database_of(broker).ledger


def _database_of(broker: dramatiq.Broker) -> DatabaseMiddleware:
    for middleware in broker.middleware:
        if isinstance(middleware, DatabaseMiddleware):
            return middleware
    raise RuntimeError("the broker has no DatabaseMiddleware")


def run_cpu_job(
    broker: dramatiq.Broker,
    job_id: uuid.UUID,
    compute: Callable[[Job], R],
    store: Callable[[UnitOfWork, Job, R], Awaitable[dict[str, Any]]],
) -> None:
    """The job path for plain-`def` actors of the `ml` queue: `compute` runs in this worker
    thread, so CPU-bound numpy work never blocks the event loop the async actors share;
    marking the job and committing `store`'s effect with SUCCEEDED run on that loop.

    Idempotent like `run_job`: a finished job is not computed again.
    """
    loop = get_event_loop_thread()
    if loop is None:
        raise RuntimeError("the worker has no event loop (AsyncIO middleware missing)")
    session_factory, ledger = session_factory_of(broker), ledger_of(broker)
    job = loop.run_coroutine(start_job(session_factory, job_id, ledger))
    if job is None:
        return
    computed = compute(job)

    async def work(uow: UnitOfWork, running: Job, _progress: Progress) -> dict[str, Any]:
        return await store(uow, running, computed)

    loop.run_coroutine(complete_job(session_factory, job, work, ledger))


class EventBusMiddleware(dramatiq.Middleware):
    """Gives a worker process a bus to publish its events on (Redis pub/sub), unless the
    process already has one: the in-process worker of the api publishes on the api's."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.redis: aioredis.Redis | None = None

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self.settings.redis_url is None or has_bus():
            return
        self.redis = create_redis(self.settings)
        # Publishing only: the bus is never connected, so it opens no pub/sub listener.
        use_bus(EventBus.over_redis(self.redis))

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        redis, self.redis = self.redis, None
        if redis is None:
            return
        use_bus(None)
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            loop_thread.run_coroutine(redis.aclose())
