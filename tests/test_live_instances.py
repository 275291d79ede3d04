"""Two api processes on one Redis: events reach subscribers on every instance, through a
killed pub/sub connection and a Redis restart, and a client that stops reading is dropped.

The Redis here is a server of the test's own, so that restarting it disturbs nothing else.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
import redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from core.ids import from_global_id
from core.settings import Settings
from resolvers.live import encode_cursor
from tests.accounts import Account, register
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.own_servers import OwnRedis
from tests.process import studygraph_server
from tests.study_api import create_goal, create_task, mutate
from tests.ws_client import PROTOCOL, Subscriber

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        not (TEST_DATABASE_URL and TEST_REDIS_URL) or shutil.which("redis-server") is None,
        reason="needs TEST_DATABASE_URL, TEST_REDIS_URL and a redis-server to start",
    ),
]

COMPLETE = (
    "mutation ($id: ID!, $m: Int) { completeTask(id: $id, actualMinutes: $m) { errors { code } } }"
)
POINTS = """subscription ($after: String) {
  pointsAwarded(after: $after) { cursor sequence amount total } }"""


# A cursor before the user's first event.
FROM_THE_START = encode_cursor(0)
FLOOD = 12_000
LOUD = "subscription { pointsAwarded { sequence reason } }"


@dataclass
class Instances:
    a: str
    b: str
    a_process: subprocess.Popen[str]
    a_log: Path
    redis: OwnRedis


@pytest.fixture(scope="module")
def instances(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instances]:
    workdir = tmp_path_factory.mktemp("instances")
    own = OwnRedis(workdir)
    own.start()
    assert TEST_DATABASE_URL is not None
    env = {
        "ENV": "development",
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": own.url,
    }
    try:
        with (
            studygraph_server(env, cwd=workdir, log_path=workdir / "a.log") as (a, a_process),
            studygraph_server(env, cwd=workdir) as (b, _),
        ):
            yield Instances(a, b, a_process, workdir / "a.log", own)
    finally:
        own.stop()


@pytest.fixture
async def http_b(instances: Instances) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=instances.b, timeout=30) as client:
        yield client


async def finish_task(http: httpx.AsyncClient, account: Account, minutes: int) -> None:
    goal = await create_goal(http, account)
    task = await create_task(http, account, goalId=goal)
    assert (await mutate(http, account, COMPLETE, id=task, m=minutes))["errors"] == []


async def points(client: Subscriber, op: str) -> tuple[int, int, int]:
    event = (await client.next_data(op, wait=15))["pointsAwarded"]
    return event["sequence"], event["amount"], event["total"]


async def test_a_mutation_on_one_instance_reaches_a_subscriber_on_the_other(
    instances: Instances, http_b: httpx.AsyncClient
) -> None:
    me = await register(http_b)
    async with Subscriber(instances.a, me.access_token) as client:
        # From the user's first event: an award made before the subscription is live on
        # instance A is read back, not missed.
        op = await client.subscribe(POINTS, {"after": FROM_THE_START})
        await finish_task(http_b, me, minutes=60)
        assert await points(client, op) == (1, 30, 30)
        assert await client.nothing_within(0.5)


async def test_b1_killed_pubsub_and_restarted_redis_lose_nothing(
    instances: Instances, http_b: httpx.AsyncClient
) -> None:
    me = await register(http_b)
    admin = redis.Redis.from_url(instances.redis.url)
    async with Subscriber(instances.a, me.access_token) as client:
        op = await client.subscribe(POINTS, {"after": FROM_THE_START})
        await asyncio.sleep(0.3)  # most often live by now: the award below needs the resync

        # The pub/sub connections are cut, and the award published at once: instance A is
        # still reconnecting and misses the message, then reads it back from PostgreSQL.
        assert admin.client_kill_filter(_type="pubsub") >= 2
        await finish_task(http_b, me, minutes=30)
        assert await points(client, op) == (1, 23, 23)

        instances.redis.stop()
        instances.redis.start()
        await finish_task(http_b, me, minutes=60)
        first_after_restart = await points(client, op)
        assert first_after_restart == (3, 30, 53)  # seq 2 is the streak's
        assert await client.nothing_within(0.5)
    admin.close()


async def test_b1_after_fills_exactly_what_a_reconnecting_client_missed(
    instances: Instances, http_b: httpx.AsyncClient
) -> None:
    me = await register(http_b)
    async with Subscriber(instances.a, me.access_token) as client:
        op = await client.subscribe(POINTS, {"after": FROM_THE_START})
        await finish_task(http_b, me, minutes=30)
        cursor = (await client.next_data(op))["pointsAwarded"]["cursor"]
    await finish_task(http_b, me, minutes=60)  # while the client is away
    async with Subscriber(instances.a, me.access_token) as client:
        op = await client.subscribe(POINTS, {"after": cursor})
        assert await points(client, op) == (3, 30, 53)
        await finish_task(http_b, me, minutes=90)
        assert await points(client, op) == (4, 38, 91)  # the same day: no streak event
        assert await client.nothing_within(0.5)


def rss_kib(process: subprocess.Popen[str]) -> int:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_b3_a_client_that_never_reads_is_dropped_and_memory_stays_bounded(
    instances: Instances, http_b: httpx.AsyncClient
) -> None:
    me = await register(http_b)
    _, user_id = from_global_id(me.id)
    channel = f"user:{user_id}"
    host, port = instances.a.removeprefix("http://").split(":")
    # A small receive buffer (no autotuning), a queue of one message, never read: the
    # client stops taking data off the socket almost at once.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    sock.connect((host, int(port)))
    client = await connect(
        f"ws://{host}:{port}/graphql",
        sock=sock,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        max_queue=1,
        ping_interval=None,
    )
    init = {"authorization": f"Bearer {me.access_token}"}
    await client.send(orjson.dumps({"type": "connection_init", "payload": init}).decode())
    assert orjson.loads(await client.recv()) == {"type": "connection_ack"}
    subscribe = {"type": "subscribe", "id": "1", "payload": {"query": LOUD}}
    await client.send(orjson.dumps(subscribe).decode())
    await asyncio.sleep(0.5)
    before = rss_kib(instances.a_process)

    # Another instance floods the channel: 12 000 events of 1 KB, far more than the
    # sockets' buffers hold.
    publisher = redis.Redis.from_url(instances.redis.url)
    reason = base64.b64encode(os.urandom(750)).decode()  # 1 000 characters, incompressible
    for start in range(1, FLOOD + 1, 500):
        with publisher.pipeline(transaction=False) as pipe:
            for seq in range(start, start + 500):
                data = {"amount": 1, "reason": reason, "balance": seq, "total": seq}
                envelope = {"seq": seq, "event": "pointsAwarded", "data": data}
                pipe.publish(channel, orjson.dumps(envelope))
            pipe.execute()
        # Paced as a busy channel is, not faster than an instance can read: Redis would
        # cut off a pub/sub reader 32 MB behind (the bus then resynchronises).
        await asyncio.sleep(0.25)
    publisher.close()
    await asyncio.sleep(1)
    grown = rss_kib(instances.a_process) - before
    # Holding the flood would take more than 13 MB; the server keeps a bounded part.
    assert grown < 8 * 1024, f"the server grew by {grown} KiB"

    lines = instances.a_log.read_text().splitlines()
    logged = [orjson.loads(line) for line in lines if line.startswith("{")]
    assert f"dropped a subscriber of {channel}: it fell 256 events behind" in [
        entry["message"] for entry in logged
    ]
    assert [entry for entry in logged if entry["level"] == "ERROR"] == []

    # What the sockets' buffers held, then the close frame, with its reason.
    received = 0
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(30):
            while True:
                await client.recv()
                received += 1
    assert received < FLOOD // 2
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1013, "Too slow to keep up")
