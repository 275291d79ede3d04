"""Servers of a test's own, for tests that stop, restart or stall one: the shared ones keep
serving every other test."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.process import free_port


class OwnRedis:
    """A redis-server process on a free port, that can be restarted on the same port."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    @contextmanager
    def stalled(self) -> Iterator[None]:
        """The server stopped in its tracks (SIGSTOP) for the block: connections stay open
        and nothing answers, as when the network between stalls."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (`initdb` + `pg_ctl`) on a free port, that can
    be restarted and stalled. PostgreSQL refuses to run as root: under root the cluster
    belongs to the `postgres` account and its commands run as that account."""

    def __init__(self) -> None:
        self.port = free_port()
        self._as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # Not under pytest's temporary folder: that is private to its owner, and the
        # cluster's owner may be another account.
        self.folder = Path(tempfile.mkdtemp(prefix="studygraph-pg-"))
        self.data = self.folder / "data"
        if self._as_owner:
            shutil.chown(self.folder, "postgres", "postgres")

    @staticmethod
    def available() -> bool:
        tools = all(shutil.which(tool) for tool in ("initdb", "pg_ctl"))
        return tools and (os.geteuid() != 0 or shutil.which("runuser") is not None)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self._as_owner, *args], check=True, stdout=subprocess.DEVNULL, timeout=120)

    def start(self) -> None:
        if not self.data.exists():
            self._ctl(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
            )
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        log = str(self.folder / "server.log")
        self._ctl("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def restart(self) -> None:
        """A fast restart: every session is ended at once, as when the server goes down."""
        self._ctl("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    @contextmanager
    def stalled(self) -> Iterator[None]:
        """Every process of the cluster stopped in its tracks (SIGSTOP) for the block: its
        connections stay open and nothing answers, as when the network between stalls."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        processes = [postmaster, *_children(postmaster)]
        for pid in processes:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in processes:
                os.kill(pid, signal.SIGCONT)


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found
