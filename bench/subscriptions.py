"""Fan-out of `leaderboardUpdated` to many WebSocket subscribers on two api processes.

    python -m bench.subscriptions [--subscribers 1000 5000] [--awards 20]

For each number of subscribers N, N WebSocket clients (half on each of two `studygraph
serve` processes sharing PostgreSQL and Redis) subscribe to the ALL_TIME leaderboard; then
players complete tasks one at a time through the API, alternating between the processes.
The latency of an update is from the moment the `completeTask` request is sent (so it
includes the mutation itself, up to its commit) to each subscriber's receipt of the update
that names the player: p50, p95 and max over every subscriber and award. Memory per idle
connection is the growth of the api processes' resident memory once the N clients are
connected and subscribed, divided by N.

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default the database `bench_live`, created
when missing) and BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, emptied).
Targets on a 2-core machine: p95 < 250 ms at 1 000 subscribers and < 1 s at 5 000;
< 100 KB per idle connection.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import redis
from sqlalchemy import insert, text
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.goals import Server, start_server, stop_server, wait_healthy
from bench.goals_seed import ensure_database
from core.ids import new_id, to_global_id
from core.settings import Settings
from core.tokens import AccessTokens
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from db.models.users import Role, User

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_live"
SUBSCRIBE = """subscription { leaderboardUpdated(period: ALL_TIME) {
  sequence changes { rank userId points } } }"""
CREATE_GOAL = (
    """mutation ($input: CreateGoalInput!) { createGoal(input: $input) { goal { id } } }"""
)
CREATE_TASK = (
    """mutation ($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }"""
)
COMPLETE = (
    """mutation ($id: ID!) { completeTask(id: $id, actualMinutes: 30) { errors { code } } }"""
)
CONNECT_AT_ONCE = 100
PROTOCOL = Subprotocol("graphql-transport-ws")


@dataclass
class Listener:
    """Receipt times of every update, by the player ids it names."""

    received: dict[str, list[float]] = field(default_factory=dict)

    def heard(self, message: bytes | str) -> None:
        at = time.perf_counter()
        body = orjson.loads(message)
        if body.get("type") != "next":
            return
        for change in body["payload"]["data"]["leaderboardUpdated"]["changes"]:
            self.received.setdefault(change["userId"], []).append(at)


async def seed_users(settings: Settings, count: int, prefix: str) -> list[uuid.UUID]:
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    now = datetime.now(UTC)
    ids = [new_id() for _ in range(count)]
    async with factory() as session:
        for start in range(0, count, 5000):
            await session.execute(
                insert(User),
                [
                    {
                        "id": user_id,
                        "email": f"{prefix}{start + i:06d}-{user_id.hex[:8]}@live.bench",
                        "password_hash": "-",
                        "display_name": f"{prefix} {start + i}",
                        "role": Role.STUDENT,
                        "token_version": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i, user_id in enumerate(ids[start : start + 5000])
                ],
            )
        await session.commit()
    await engine.dispose()
    return ids


async def reset(settings: Settings) -> None:
    engine = create_engine(settings)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE users CASCADE"))
    await engine.dispose()
    client = redis.Redis.from_url(str(settings.redis_url))
    client.flushdb()
    client.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def subscriber(base: str, token: str) -> ClientConnection:
    url = base.replace("http://", "ws://") + "/graphql"
    socket = await connect(url, subprotocols=[PROTOCOL])
    await socket.send(
        orjson.dumps(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        ).decode()
    )
    ack = orjson.loads(await socket.recv())
    assert ack == {"type": "connection_ack"}, ack
    await socket.send(
        orjson.dumps({"type": "subscribe", "id": "1", "payload": {"query": SUBSCRIBE}}).decode()
    )
    return socket


async def read_forever(socket: ClientConnection, listener: Listener) -> None:
    async for message in socket:
        listener.heard(message)


@contextmanager
def two_servers(settings: Settings, logs: Path) -> Iterator[list[Server]]:
    env = {
        **os.environ,
        "ENV": "development",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": str(settings.redis_url),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "studygraph", "serve"]
    servers = [start_server(name, command, env, logs) for name in ("api-a", "api-b")]
    try:
        for server in servers:
            wait_healthy(server)
        yield servers
    finally:
        for server in servers:
            stop_server(server)


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def run(settings: Settings, subscribers: int, awards: int, workdir: Path) -> None:
    await reset(settings)
    tokens = AccessTokens(settings)
    watchers = await seed_users(settings, subscribers, "watcher")
    players = await seed_users(settings, awards, "player")

    def token(user_id: uuid.UUID) -> str:
        return tokens.issue(user_id, role="STUDENT", token_version=0)[0]

    with two_servers(settings, workdir) as servers:
        bases = [server.base for server in servers]
        a = bases[0]
        pids = [server.process.pid for server in servers]
        async with httpx.AsyncClient(timeout=60) as http:

            async def gql(base: str, user_id: uuid.UUID, query: str, **variables: object) -> dict:
                response = await http.post(
                    f"{base}/graphql",
                    json={"query": query, "variables": variables},
                    headers={"authorization": f"Bearer {token(user_id)}"},
                )
                body = response.json()
                assert "errors" not in body, body
                return dict(body["data"])

            tasks: list[str] = []
            for player in players:
                created = await gql(
                    a, player, CREATE_GOAL, input={"title": "Bench", "category": "EXAM"}
                )
                made = await gql(
                    a,
                    player,
                    CREATE_TASK,
                    input={
                        "title": "Read",
                        "estimatedMinutes": 30,
                        "goalId": created["createGoal"]["goal"]["id"],
                    },
                )
                tasks.append(made["createTask"]["task"]["id"])

            before = sum(map(rss_kib, pids))
            listener = Listener()
            sockets: list[ClientConnection] = []
            for start in range(0, subscribers, CONNECT_AT_ONCE):
                batch = watchers[start : start + CONNECT_AT_ONCE]
                sockets += await asyncio.gather(
                    *(subscriber(bases[(start + i) % 2], token(w)) for i, w in enumerate(batch))
                )
            readers = [asyncio.create_task(read_forever(s, listener)) for s in sockets]
            await asyncio.sleep(3)
            per_connection = (sum(map(rss_kib, pids)) - before) / subscribers

            latencies: list[float] = []
            missing = 0
            for i, (player, task) in enumerate(zip(players, tasks, strict=True)):
                sent = time.perf_counter()
                done = await gql(bases[i % 2], player, COMPLETE, id=task)
                assert done["completeTask"]["errors"] == [], done
                await asyncio.sleep(1.0)
                heard = listener.received.pop(to_global_id("User", player), [])
                missing += subscribers - len(heard)
                latencies += [at - sent for at in heard]
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)

    p50, p95 = ms(latencies, 0.5), ms(latencies, 0.95)
    print(
        f"{subscribers:>6} subscribers: p50 {p50:7.1f} ms   p95 {p95:7.1f} ms"
        f"   max {max(latencies) * 1000:7.1f} ms   missed {missing}"
        f"   memory {per_connection:6.1f} KB per idle connection"
    )


async def main_async(args: argparse.Namespace) -> None:
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    await ensure_database(database_url)
    settings = Settings(
        database_url=database_url,
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
    )
    await asyncio.to_thread(upgrade, settings)
    workdir = Path(tempfile.mkdtemp(prefix="bench-live-"))
    print("targets: p95 < 250 ms at 1 000, < 1 000 ms at 5 000; < 100 KB per idle connection")
    for count in args.subscribers:
        await run(settings, count, args.awards, workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--awards", type=int, default=20)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
