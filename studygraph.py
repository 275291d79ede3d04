"""The `studygraph` command: the one place that wires every layer together."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from core.logging import configure_logging
from core.settings import Settings

log = logging.getLogger("studygraph")


def serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from core.gc_tuning import tune_for_serving
    from db.migrate import upgrade
    from graph.app import Companion, create_app
    from workers.embedded import in_process_workers, job_sender

    if settings.is_sqlite:
        # The embedded default has no separate migrate step: bring the file to head first.
        upgrade(settings)
    companions: list[Companion] = [in_process_workers if settings.embedded else job_sender]
    app = create_app(settings, companions)
    tune_for_serving()
    shown_host = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host  # noqa: S104
    if settings.graphiql_enabled:
        print(f"StudyGraph: GraphiQL at http://{shown_host}:{port}/graphql", flush=True)
    else:
        print(f"StudyGraph: GraphQL at http://{shown_host}:{port}/graphql", flush=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        ws_max_size=settings.max_ws_message_bytes,
        ws_ping_interval=settings.ws_ping_interval_seconds,
        ws_ping_timeout=settings.ws_ping_timeout_seconds,
        # Compressing costs CPU per subscriber per event, and with it uvicorn buffers
        # whatever a client does not read instead of making the sender wait.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=20,
        proxy_headers=True,
    )


def worker(processes: int, threads: int) -> None:
    # Poll idle queues every 100 ms instead of every second: lower enqueue latency. Dramatiq
    # reads this when it is first imported.
    os.environ.setdefault("dramatiq_worker_timeout", "100")
    from dramatiq.cli import main as dramatiq_main
    from dramatiq.cli import make_argument_parser

    arguments = make_argument_parser().parse_args(
        [
            "workers.app:setup",
            "--processes",
            str(processes),
            "--threads",
            str(threads),
        ]
    )
    sys.exit(dramatiq_main(arguments))


def scheduler(settings: Settings) -> None:
    from core.redis import create_redis
    from workers.broker import install_broker
    from workers.scheduler import run_scheduler

    install_broker(settings)
    asyncio.run(run_scheduler(create_redis(settings)))


def migrate(settings: Settings, revision: str) -> None:
    from db.migrate import upgrade

    upgrade(settings, revision)
    log.info("database migrated", extra={"revision": revision})


def rebuild_points(settings: Settings) -> None:
    from core.redis import create_redis
    from db.engine import create_engine, create_session_factory
    from resolvers.gamification.leaderboards import drop_boards
    from resolvers.gamification.points import rebuild_balances

    async def run() -> int:
        engine = create_engine(settings, role="worker")
        redis = create_redis(settings)
        try:
            rebuilt = await rebuild_balances(create_session_factory(engine))
            await drop_boards(redis)
            return rebuilt
        finally:
            await redis.aclose()
            await engine.dispose()

    log.info("point balances rebuilt from the ledger", extra={"balances": asyncio.run(run())})


def export_schema(output: Path | None) -> None:
    from graph.schema import schema_sdl

    sdl = schema_sdl()
    if output is None:
        sys.stdout.write(sdl)
    else:
        output.write_text(sdl, encoding="utf-8")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="studygraph", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the GraphQL API")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    worker_cmd = commands.add_parser("worker", help="run Dramatiq worker processes")
    worker_cmd.add_argument("--processes", type=int, default=2)
    worker_cmd.add_argument("--threads", type=int, default=4)
    commands.add_parser("scheduler", help="enqueue periodic jobs")
    commands.add_parser(
        "rebuild-points", help="recompute point balances from the ledger, then leaderboards"
    )
    migrate_cmd = commands.add_parser("migrate", help="upgrade the database schema")
    migrate_cmd.add_argument("revision", nargs="?", default="head")
    export_cmd = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export_cmd.add_argument("--output", type=Path, help="write to this file instead")
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.command == "export-schema":
        export_schema(args.output)
        return
    try:
        settings = Settings()
    except ValueError as exc:
        sys.exit(f"studygraph: invalid configuration: {exc}")
    configure_logging(settings.log_level, json_lines=settings.log_json)
    if args.command == "serve":
        serve(settings, args.host, args.port)
    elif args.command == "worker":
        worker(args.processes, args.threads)
    elif args.command == "scheduler":
        scheduler(settings)
    elif args.command == "migrate":
        migrate(settings, args.revision)
    elif args.command == "rebuild-points":
        rebuild_points(settings)


if __name__ == "__main__":
    main()
