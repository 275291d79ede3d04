"""Job messages leave from one thread, in the order they were handed over; each caller
learns how its own message fared."""

from __future__ import annotations

import asyncio
import threading

from core.job_messages import MessageThread


class Outbox:
    """Where the messages go: a list, written by the sending thread."""

    def __init__(self, refuse: str | None = None):
        self.sent: list[tuple[str, str, int]] = []
        self.threads: set[str] = set()
        self.refuse = refuse

    def send(self, actor: str, job_id: str, delay_ms: int) -> None:
        self.threads.add(threading.current_thread().name)
        if job_id == self.refuse:
            raise ConnectionError(f"broker refused {job_id}")
        self.sent.append((actor, job_id, delay_ms))


async def test_messages_leave_in_order_from_one_thread_of_their_own() -> None:
    outbox = Outbox()
    messages = MessageThread(outbox.send)
    try:
        await asyncio.gather(*(messages.send("a.b", str(n), n % 3) for n in range(50)))
    finally:
        messages.stop()
    assert outbox.sent == [("a.b", str(n), n % 3) for n in range(50)]
    assert outbox.threads == {"job-messages"}


async def test_a_failed_send_fails_its_caller_only() -> None:
    outbox = Outbox(refuse="2")
    messages = MessageThread(outbox.send)
    try:
        results = await asyncio.gather(
            *(messages.send("a.b", str(n), 0) for n in range(4)), return_exceptions=True
        )
    finally:
        messages.stop()
    assert [type(result).__name__ for result in results] == [
        "NoneType",
        "NoneType",
        "ConnectionError",
        "NoneType",
    ]
    assert [job_id for _, job_id, _ in outbox.sent] == ["0", "1", "3"]


async def test_a_caller_that_stops_waiting_does_not_hold_up_the_others() -> None:
    outbox = Outbox()
    messages = MessageThread(outbox.send)
    try:
        gone = asyncio.create_task(messages.send("a.b", "gone", 0))
        await asyncio.sleep(0)
        gone.cancel()
        await messages.send("a.b", "kept", 0)
    finally:
        messages.stop()
    assert gone.cancelled()
    # Handed over before its caller left, the message was sent all the same.
    assert [job_id for _, job_id, _ in outbox.sent] == ["gone", "kept"]


async def test_stopping_sends_what_waits_and_a_later_message_starts_a_new_thread() -> None:
    outbox = Outbox()
    messages = MessageThread(outbox.send)
    await messages.send("a.b", "1", 0)
    messages.stop()
    await messages.send("a.b", "2", 0)
    messages.stop()
    assert [job_id for _, job_id, _ in outbox.sent] == ["1", "2"]
    for thread in threading.enumerate():
        if thread.name == "job-messages":
            thread.join(timeout=5)
            assert not thread.is_alive()
