"""Job messages leave from one thread per process, which sends what queued up meanwhile.

The broker's client blocks, so a message cannot be sent on the event loop. Sending each from
a thread of the default pool cost more CPU than the send itself: a task and a future per
message, a wake-up of the loop for each, and pool threads contending for the interpreter
under load. One thread takes every message waiting, sends them in arrival order, and wakes
each loop that waits once for all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Sends a job's message: (actor name, job id, delay in ms).
JobSender = Callable[[str, str, int], None]


@dataclass(frozen=True, slots=True)
class _Message:
    actor_name: str
    job_id: str
    delay_ms: int
    loop: asyncio.AbstractEventLoop
    sent: asyncio.Future[None]


class MessageThread:
    """Sends messages with `send` from a thread of its own, started at the first message
    (again in a process forked from this one, which has none)."""

    def __init__(self, send: JobSender):
        self._send = send
        self._waiting: queue.SimpleQueue[_Message | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    async def send(self, actor_name: str, job_id: str, delay_ms: int) -> None:
        """Returns once the message is sent; raises what sending it raised."""
        loop = asyncio.get_running_loop()
        sent: asyncio.Future[None] = loop.create_future()
        self._ensure_thread()
        self._waiting.put(_Message(actor_name, job_id, delay_ms, loop, sent))
        await sent

    @property
    def sender(self) -> JobSender:
        return self._send

    def stop(self) -> None:
        """The thread sends what is waiting, then ends; this does not wait for it."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and self._pid == os.getpid():
            self._waiting.put(None)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="job-messages", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._waiting.get()]
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(self._waiting.get_nowait())
            settled: dict[asyncio.AbstractEventLoop, list[tuple[_Message, BaseException | None]]]
            settled = {}
            for message in batch:
                if message is None:
                    continue
                try:
                    self._send(message.actor_name, message.job_id, message.delay_ms)
                    outcome: BaseException | None = None
                except Exception as exc:
                    outcome = exc
                settled.setdefault(message.loop, []).append((message, outcome))
            for loop, outcomes in settled.items():
                with contextlib.suppress(RuntimeError):  # that loop has closed meanwhile
                    loop.call_soon_threadsafe(_settle, outcomes)
            if None in batch:
                return


def _settle(outcomes: list[tuple[_Message, BaseException | None]]) -> None:
    for message, error in outcomes:
        if message.sent.done():  # its caller stopped waiting
            continue
        if error is None:
            message.sent.set_result(None)
        else:
            message.sent.set_exception(error)
