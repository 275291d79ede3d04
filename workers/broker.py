"""The Dramatiq broker: Redis in production, in-memory with an in-process worker embedded."""

from __future__ import annotations

import importlib

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from core.redis import create_broker_redis
from core.settings import Settings
from core.unit_of_work import set_job_sender
from workers import gamification, jobs, live, schedules, social, users
from workers.runtime import DatabaseMiddleware, EventBusMiddleware, UvloopAsyncIO

QUEUES = ("default", "ml", "notifications")
# Each actor module declares its actors on the broker it is given.
ACTOR_MODULES = (jobs, users, gamification, live, schedules, social)


def create_broker(settings: Settings) -> dramatiq.Broker:
    broker: dramatiq.Broker
    if settings.redis_url is None:
        broker = StubBroker()
        broker.emit_after("process_boot")
    else:
        broker = RedisBroker(
            client=create_broker_redis(settings),
            heartbeat_timeout=settings.broker_heartbeat_timeout_ms,
            maintenance_chance=settings.broker_maintenance_per_million,
        )
    broker.add_middleware(UvloopAsyncIO())
    broker.add_middleware(DatabaseMiddleware(settings))
    broker.add_middleware(EventBusMiddleware(settings))
    for queue in QUEUES:
        broker.declare_queue(queue)
    for module in (*ACTOR_MODULES, *map(importlib.import_module, settings.extra_actor_modules)):
        module.declare(broker, settings)
    return broker


def install_broker(settings: Settings) -> dramatiq.Broker:
    """Makes the broker the process-wide one and the sender of every job's message."""
    broker = create_broker(settings)
    dramatiq.set_broker(broker)

    def send(actor_name: str, job_id: str, delay_ms: int) -> None:
        broker.get_actor(actor_name).send_with_options(args=(job_id,), delay=delay_ms or None)

    set_job_sender(send)
    return broker
