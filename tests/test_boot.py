"""`studygraph serve` boots on the embedded default and answers GraphQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory

from db.migrate import alembic_config
from tests.process import studygraph_server


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, subprocess.Popen[str], Path]]:
    workdir = tmp_path_factory.mktemp("serve")
    # No DATABASE_URL, no REDIS_URL: the embedded default, in a directory of its own.
    env = {"ENV": "development", "DATABASE_URL": "", "REDIS_URL": ""}
    log = workdir / "serve.log"
    with studygraph_server({k: v for k, v in env.items() if v}, workdir, log_path=log) as (
        base,
        process,
    ):
        yield base, process, workdir


@pytest.fixture(autouse=True)
def _no_inherited_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)


def test_serves_typename(server: tuple[str, subprocess.Popen[str], Path]) -> None:
    base, _, workdir = server
    response = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
    assert (workdir / "studygraph.db").exists()


def test_migrated_the_sqlite_file_on_start(server: tuple[str, subprocess.Popen[str], Path]) -> None:
    base = server[0]
    response = httpx.post(
        f"{base}/graphql", json={"query": "{ serverInfo { databaseRevision } }"}, timeout=10
    )
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert response.json() == {"data": {"serverInfo": {"databaseRevision": head}}}
    assert httpx.get(f"{base}/ready", timeout=10).json() == {
        "status": "ok",
        "checks": {"database": "ok"},
    }


def test_prints_where_graphiql_is_and_stops_cleanly(
    server: tuple[str, subprocess.Popen[str], Path],
) -> None:
    base, process, workdir = server
    process.terminate()
    process.wait(timeout=30)
    output = (workdir / "serve.log").read_text()
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells it.
    assert process.returncode == -signal.SIGTERM
    assert "Application shutdown complete." in output
    assert f"StudyGraph: GraphiQL at {base.replace('127.0.0.1', 'localhost')}/graphql" in output


def test_export_schema_prints_sdl(project_root: Path, tmp_path: Path) -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "studygraph", "export-schema"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert printed == (project_root / "schema.graphql").read_text(encoding="utf-8")
    target = tmp_path / "out.graphql"
    subprocess.run(
        [sys.executable, "-m", "studygraph", "export-schema", "--output", str(target)],
        check=True,
        timeout=60,
    )
    assert target.read_text(encoding="utf-8") == printed


def test_a_taken_port_ends_the_process_with_an_error(tmp_path: Path) -> None:
    """The in-process worker and scheduler stop with the failed start: the process exits
    with uvicorn's start-up failure instead of running on without a server."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "studygraph",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=tmp_path,
            env={**os.environ, "ENV": "development"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 3
    assert "address already in use" in done.stdout + done.stderr
