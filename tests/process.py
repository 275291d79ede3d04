"""Starting and stopping real `studygraph` processes for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def studygraph_server(
    env: dict[str, str], cwd: Path, timeout: float = 60.0, log_path: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`studygraph serve` on a free port; yields its base URL once /health answers. Its
    output goes to `log_path` (or a temporary file)."""
    port = free_port()
    # A file, not a pipe: a long-lived server must never block on a full pipe nobody reads.
    # Closed when the server stops.
    log = open(log_path, "w+") if log_path else tempfile.TemporaryFile("w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "studygraph", "serve", "--port", str(port)],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"studygraph serve exited early:\n{log.read()}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("studygraph serve did not become healthy")
            time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
