"""The Dramatiq broker: Redis in production, in-memory with an in-process worker embedded."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from core.settings import Settings

QUEUES = ("default", "ml", "notifications")


def create_broker(settings: Settings) -> dramatiq.Broker:
    broker: dramatiq.Broker
    if settings.redis_url is None:
        broker = StubBroker()
        broker.emit_after("process_boot")
    else:
        broker = RedisBroker(url=settings.redis_url)
    for queue in QUEUES:
        broker.declare_queue(queue)
    return broker


def install_broker(settings: Settings) -> dramatiq.Broker:
    """Make the broker the process-wide one; call before importing actor modules."""
    broker = create_broker(settings)
    dramatiq.set_broker(broker)
    return broker
