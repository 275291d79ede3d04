"""D4 for Redis: a stalled Redis (stopped in its tracks, its connections open and silent)
ends in a timeout, not a hang, and everything works again once it answers. The Redis is a
server of the test's own, stopped with SIGSTOP."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import threading
from collections.abc import Iterator

import dramatiq
import pytest
import redis
from starlette.testclient import TestClient

from core.settings import Settings
from graph.app import create_app
from tests.accounts import register
from tests.conftest import serve_app
from tests.graphql import post
from tests.own_servers import OwnRedis
from tests.test_websocket import PROTOCOL, connect, sign_up
from tests.waiting import PATIENCE_SECONDS
from workers.broker import create_broker

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs a redis-server"),
]

POINTS = "{ myPoints { total } }"


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    own = OwnRedis(tmp_path_factory.mktemp("stalled-redis"))
    own.start()
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture
def on_own_redis(settings: Settings, own_redis: OwnRedis) -> Settings:
    redis.Redis.from_url(own_redis.url).flushdb()
    return settings.model_copy(
        update={"redis_url": own_redis.url, "redis_socket_timeout_seconds": 0.5}
    )


def message() -> dramatiq.Message[None]:
    return dramatiq.Message(
        queue_name="default", actor_name="stall-probe", args=(), kwargs={}, options={}
    )


def in_thread(call: dramatiq.Message[None], broker: dramatiq.Broker) -> BaseException | None:
    """What enqueueing `call` raised, once it returned; fails the test if it hangs."""
    outcome: list[BaseException | None] = []

    def send() -> None:
        try:
            broker.enqueue(call)
            outcome.append(None)
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    thread.join(PATIENCE_SECONDS)
    assert outcome, "the send hung on the stalled Redis"
    return outcome[0]


def test_a_job_message_sent_to_a_stalled_redis_times_out_and_the_next_goes_through(
    on_own_redis: Settings, own_redis: OwnRedis
) -> None:
    broker = create_broker(on_own_redis)
    before, during, after = message(), message(), message()
    assert in_thread(before, broker) is None
    with own_redis.stalled():
        failed = in_thread(during, broker)
    assert isinstance(failed, redis.exceptions.TimeoutError)
    assert in_thread(after, broker) is None
    bodies = broker.client.hvals("dramatiq:default.msgs")  # type: ignore[attr-defined]
    queued = {dramatiq.Message.decode(body).message_id for body in bodies}
    # The stalled send may still land once Redis reads what was written to it: a job's
    # message sent twice runs its effect once (W1), and one lost is sent again by the sweep.
    assert (
        {before.message_id, after.message_id}
        <= queued
        <= {
            before.message_id,
            during.message_id,
            after.message_id,
        }
    )


async def test_a_request_during_a_redis_stall_is_refused_as_retryable_and_then_served(
    on_own_redis: Settings, own_redis: OwnRedis
) -> None:
    async with serve_app(on_own_redis) as client:
        account = await register(client)
        with own_redis.stalled():
            refused = await asyncio.wait_for(
                post(client, POINTS, headers=account.headers), PATIENCE_SECONDS
            )
        assert refused.status_code == 503
        assert refused.json() == {
            "errors": [
                {
                    "message": "Service unavailable for a moment; retry",
                    "extensions": {"code": "SERVICE_UNAVAILABLE", "retryable": True},
                }
            ]
        }
        served = await post(client, POINTS, headers=account.headers)
        assert served.json() == {"data": {"myPoints": {"total": 0}}}


def persisted(query: str) -> dict[str, object]:
    return {
        "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}
    }


STALLED = {
    "message": "Service unavailable for a moment; retry",
    "extensions": {"code": "SERVICE_UNAVAILABLE", "retryable": True},
}


async def test_a_persisted_query_looked_up_during_a_stall_is_refused_as_retryable(
    on_own_redis: Settings, own_redis: OwnRedis
) -> None:
    body = {"extensions": persisted("{ __typename }")}
    async with serve_app(on_own_redis) as client:
        with own_redis.stalled():
            refused = await asyncio.wait_for(client.post("/graphql", json=body), PATIENCE_SECONDS)
        assert refused.status_code == 503
        assert refused.json() == {"errors": [STALLED]}
        answered = await client.post("/graphql", json=body)
        assert answered.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_a_persisted_subscribe_during_a_stall_gets_a_retryable_error(
    on_own_redis: Settings, own_redis: OwnRedis
) -> None:
    with TestClient(create_app(on_own_redis)) as client:
        account = sign_up(client)
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
            assert connect(ws, account["accessToken"]) == {"type": "connection_ack"}
            payload = {"extensions": persisted("{ me { displayName } }")}
            with own_redis.stalled():
                ws.send_json({"type": "subscribe", "id": "1", "payload": payload})
                refused = ws.receive_json()
            assert refused == {"type": "error", "id": "1", "payload": [STALLED]}
