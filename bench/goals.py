"""Nested goal reads per second: the real schema (DataLoaders) beside naive lazy loading.

    python -m bench.goals [--users 1000] [--concurrency 32] [--duration 20] [--rounds 3]
                          [--warmup 5] [--pool-timeout 120] [--database-url URL]
                          [--goals 20] [--milestones 3] [--tasks 10]

Seeds (bench/goals_seed.py, skipped when already there) users x 20 goals x 3 milestones x
10 tasks, each task depending on 0-2 earlier tasks of its goal, in PostgreSQL (default the
local `bench_goals` database, created when missing). Then starts two servers on the same
database and configuration: `studygraph serve`, and `python -m bench.naive_goals`, the same
app whose goals tree loads per parent object (bench/naive_goals.py). Both get QUERY, each
request as a random seeded user with an access token minted here; `--concurrency` clients
load one server for `--duration` seconds (and until the requests in flight finish), then
the other, for `--rounds` rounds, so machine noise hits both alike. An answer counts only
without errors and with every goal, milestone and task of the user. Target: real >= 10 x
naive throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import event
from starlette.requests import Request

from bench.goals_seed import (
    BenchUser,
    Shape,
    add_shape_arguments,
    bench_users,
    prepare,
    shape_of,
)
from bench.naive_goals import build_naive_schema
from core.redis import create_redis
from core.settings import Settings
from core.tokens import AccessTokens
from db.engine import create_engine, create_session_factory
from graph.context import Context
from graph.schema import build_schema
from resolvers.access import Viewer
from resolvers.auth import AuthService

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 10.0

QUERY = (
    "query Nested { me { goals(first: 50) { edges { node { id title progress milestones {"
    " id title tasks(first: 50) { edges { node { id title status dependsOn { id title } } } }"
    " } } } } } }"
)
PAGE = 50  # QUERY's `first`, for goals and for each milestone's tasks
# The query's static cost (pages counted at their `first`) is 28 154, over the default
# limit of 5 000; both servers get this one so it runs at all.
MAX_QUERY_COST = 50_000


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def graphql(self) -> str:
        return f"{self.base}/graphql"


@dataclass
class Run:
    ok: int = 0
    failed: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def add(self, other: Run) -> None:
        self.ok += other.ok
        self.failed += other.failed
        self.elapsed += other.elapsed
        self.latencies += other.latencies
        self.problems += other.problems[: max(0, 3 - len(self.problems))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(name: str, command: list[str], env: dict[str, str], logs: Path) -> Server:
    port = free_port()
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches only the bench, which stops the servers
        )
    return Server(name, f"http://127.0.0.1:{port}", process, log)


def wait_healthy(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} server exited early:\n{tail(server.log)}")
        try:
            if httpx.get(f"{server.base}/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{server.name} server did not become ready:\n{tail(server.log)}")
        time.sleep(0.2)


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def problem_with(response: httpx.Response, shape: Shape) -> str | None:
    """Why an answer does not count, or None when it has the user's whole tree."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    body = response.json()
    if body.get("errors"):
        return f"errors: {body['errors'][0].get('message')}"
    goals = body["data"]["me"]["goals"]["edges"]
    if len(goals) != shape.goals:
        return f"{len(goals)} goals instead of {shape.goals}"
    for goal in goals:
        milestones = goal["node"]["milestones"]
        if len(milestones) != shape.milestones:
            return f"{len(milestones)} milestones instead of {shape.milestones}"
        for milestone in milestones:
            if len(milestone["tasks"]["edges"]) != shape.tasks:
                return f"{len(milestone['tasks']['edges'])} tasks instead of {shape.tasks}"
    return None


async def load(
    client: httpx.AsyncClient,
    server: Server,
    tokens: list[str],
    shape: Shape,
    *,
    concurrency: int,
    duration: float,
    seed: int,
) -> Run:
    run = Run()
    started = time.perf_counter()
    deadline = started + duration

    async def client_loop(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        while time.perf_counter() < deadline:
            token = rng.choice(tokens)
            sent = time.perf_counter()
            try:
                response = await client.post(
                    server.graphql,
                    json={"query": QUERY},
                    headers={"Authorization": f"Bearer {token}"},
                )
                problem = problem_with(response, shape)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if problem is None:
                run.ok += 1
                run.latencies.append(time.perf_counter() - sent)
            else:
                run.failed += 1
                if len(run.problems) < 3:
                    run.problems.append(problem)

    await asyncio.gather(*(client_loop(n) for n in range(concurrency)))
    run.elapsed = time.perf_counter() - started
    return run


def first_difference(left: object, right: object, path: str = "") -> str | None:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(left.keys() | right.keys()):
            found = first_difference(left.get(key), right.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items against {len(right)}"
        for index, (one, other) in enumerate(zip(left, right, strict=True)):
            found = first_difference(one, other, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if left == right else f"{path}: {str(left)[:300]} against {str(right)[:300]}"


async def same_answers(client: httpx.AsyncClient, servers: list[Server], token: str) -> None:
    """Both servers must return the very same tree, or the comparison means nothing."""
    answers = []
    for server in servers:
        response = await client.post(
            server.graphql, json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
        )
        answers.append(response.json())
    difference = first_difference(answers[0], answers[1])
    if difference:
        names = " and ".join(server.name for server in servers)
        raise RuntimeError(f"{names} answer differently at {difference}")


async def statements_per_query(settings: Settings, user: BenchUser) -> dict[str, int]:
    """SQL statements each schema runs for QUERY, counted in-process (authentication aside)."""
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    redis = create_redis(settings)
    counted = 0

    def count(*_args: object) -> None:
        nonlocal counted
        counted += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    viewer = Viewer(user.id, user.role, "no token", token_expires_at=datetime.now(UTC))
    found = {}
    try:
        for name, schema in (
            ("real", build_schema(settings)),
            ("naive", build_naive_schema(settings)),
        ):
            context = Context(
                request=Request({"type": "http", "headers": []}),
                settings=settings,
                session_factory=factory,
                redis=redis,
                auth=AuthService(settings, factory, redis),
                request_id="bench",
                viewer=viewer,
            )
            counted = 0
            result = await schema.execute(QUERY, context_value=context)
            if result.errors:
                raise RuntimeError(f"{name} schema failed in-process: {result.errors[0]}")
            found[name] = counted
    finally:
        await redis.aclose()
        await engine.dispose()
    return found


async def bench(
    servers: list[Server], tokens: list[str], shape: Shape, args: argparse.Namespace
) -> dict[str, Run]:
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    totals = {server.name: Run() for server in servers}
    async with httpx.AsyncClient(
        limits=limits, timeout=httpx.Timeout(args.pool_timeout + 180.0)
    ) as client:
        await same_answers(client, servers, tokens[0])
        for server in servers:  # fills pools and caches; not counted
            await load(
                client,
                server,
                tokens,
                shape,
                concurrency=args.concurrency,
                duration=args.warmup,
                seed=0,
            )
        for round_number in range(1, args.rounds + 1):
            figures = []
            for server in servers:
                run = await load(
                    client,
                    server,
                    tokens,
                    shape,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    seed=round_number,
                )
                totals[server.name].add(run)
                figures.append(f"{server.name} {run.rate:7.1f}/s ({run.failed} failed)")
            print(f"  round {round_number}: " + ", ".join(figures), flush=True)
    return totals


def percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, run: Run) -> None:
    ordered = sorted(run.latencies)
    p50, p95, p99 = (percentile(ordered, q) * 1000 for q in (0.50, 0.95, 0.99))
    print(
        f"{name:<32} {run.rate:8.1f} requests/s   p50 {p50:7.0f} ms   p95 {p95:7.0f} ms"
        f"   p99 {p99:7.0f} ms   failed {run.failed}/{run.ok + run.failed}"
    )
    for problem in run.problems:
        print(f"    e.g. {problem}")


def mint_tokens(settings: Settings, users: list[BenchUser]) -> list[str]:
    """Access tokens as `login` issues them, without the argon2 cost of logging in."""
    issuer = AccessTokens(settings)
    return [
        issuer.issue(user.id, role=user.role.value, token_version=user.token_version)[0]
        for user in users
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_shape_arguments(parser)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per server a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds per server, not counted")
    parser.add_argument(
        "--pool-timeout",
        type=float,
        default=120.0,
        help="DB_POOL_TIMEOUT_SECONDS of both servers (production default 5)",
    )
    args = parser.parse_args()
    shape = shape_of(args)
    if max(shape.goals, shape.tasks) > PAGE:
        parser.error(f"QUERY reads {PAGE} goals and {PAGE} tasks per milestone at most")
    prepare(args.database_url, shape)

    secret = secrets.token_urlsafe(48)
    settings = Settings(
        env="production",
        database_url=args.database_url,
        jwt_secret=secret,
        access_token_minutes=60,
        max_query_cost=MAX_QUERY_COST,
    )
    users = asyncio.run(bench_users(args.database_url))
    tokens = mint_tokens(settings, users)
    statements = asyncio.run(statements_per_query(settings, users[0]))
    env = {
        **os.environ,
        "ENV": "production",
        "DATABASE_URL": args.database_url,
        "JWT_SECRET": secret,
        "LOG_LEVEL": "WARNING",
        "MAX_QUERY_COST": str(MAX_QUERY_COST),
        # The naive server asks the pool for hundreds of connections per request at once;
        # with the 5 s default most of its requests die waiting instead of being measured.
        "DB_POOL_TIMEOUT_SECONDS": str(args.pool_timeout),
    }
    env.pop("REDIS_URL", None)  # the embedded stand-ins: what is measured is the database work
    # A plain `kill` of the bench should stop its servers too (they run in their own session).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    logs = Path(tempfile.mkdtemp(prefix="bench-goals-"))
    servers: list[Server] = []
    totals: dict[str, Run] = {}
    try:
        servers.append(
            start_server("real", [sys.executable, "-m", "studygraph", "serve"], env, logs)
        )
        servers.append(
            start_server("naive", [sys.executable, "-m", "bench.naive_goals"], env, logs)
        )
        for server in servers:
            wait_healthy(server)
        print(
            f"dataset: {shape.users} users x {shape.goals} goals x {shape.milestones} "
            f"milestones x {shape.tasks} tasks; {args.concurrency} concurrent clients, "
            f"{args.rounds} rounds of {args.duration:.0f} s per server",
            flush=True,
        )
        print(
            f"SQL statements per query (in-process, authentication aside): "
            f"real {statements['real']}, naive {statements['naive']}",
            flush=True,
        )
        totals = asyncio.run(bench(servers, tokens, shape, args))
    finally:
        for server in servers:
            stop_server(server)
        if totals and not any(run.failed for run in totals.values()):
            shutil.rmtree(logs, ignore_errors=True)
        else:
            print(f"server logs kept in {logs}")
    print(f"query: {QUERY}")
    report("real (DataLoaders)", totals["real"])
    report("naive (a query per parent row)", totals["naive"])
    real, naive = totals["real"].rate, totals["naive"].rate
    ratio = real / naive if naive else float("inf")
    print(f"ratio real / naive throughput: {ratio:.1f}x  (target >= {TARGET_RATIO:.0f}x)")


if __name__ == "__main__":
    main()
