"""The unit of work: one session, one commit, side effects only after the commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import sqlalchemy.exc
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from core.job_messages import JobSender, MessageThread
from core.outages import CONFLICT, CommitOutcomeUnknown, outage_code

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
# A write held back until the unit commits: made on its own (`alone`, committed by itself)
# or, once the unit's transaction begins, on that transaction's connection.
WriteAlone = Callable[[], Awaitable[None]]
WriteInTransaction = Callable[[Connection], None]

_HELD = "held writes"  # the key in `session.info`


@event.listens_for(Session, "after_begin")
def _write_held(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    """The unit's transaction has begun: what was held back goes first, before anything else
    the transaction writes (which may refer to it)."""
    held = session.info.pop(_HELD, None)
    if held:
        writes = list(held)
        held.clear()  # the unit's own list: nothing is left to write alone
        for _, in_transaction in writes:
            in_transaction(connection)


_job_messages: MessageThread | None = None


def set_job_sender(sender: JobSender | None) -> None:
    """The process entry point installs the Dramatiq sender, so business code enqueues by
    actor name without importing the workers."""
    global _job_messages
    previous, _job_messages = _job_messages, None if sender is None else MessageThread(sender)
    if previous is not None:
        previous.stop()


class UnitOfWork:
    """Opens a session when first asked for one; `commit()` commits once and then runs the
    buffered side effects.

    Leaving the block without committing (or with an exception) rolls back, and the
    buffered side effects are dropped: a rollback sends nothing. A unit that never touches
    its session (a job's work whose effect is elsewhere) opens none.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]):
        self._factory = session_factory
        self._before_commit: list[AfterCommit] = []
        self._after_commit: list[AfterCommit] = []
        self._held: list[tuple[WriteAlone, WriteInTransaction]] = []
        self._committed = False
        self._open = False
        # Per-transaction state of the side-effect helpers (the events to log, say).
        self.scratch: dict[str, Any] = {}
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if not self._open:
            raise RuntimeError("UnitOfWork used outside its `async with` block")
        if self._session is None:
            self._session = self._factory()
            # What was held back goes first once the session's transaction begins.
            self._session.info[_HELD] = self._held
        return self._session

    @property
    def engine(self) -> AsyncEngine | None:
        """The engine the unit's session runs on."""
        bind = self._factory.kw.get("bind")
        return bind if isinstance(bind, AsyncEngine) else None

    @property
    def used_database(self) -> bool:
        """Whether the unit has begun its transaction (run a statement, added an object) or
        holds a write for the commit. One that has not can commit its only write elsewhere."""
        return bool(self._before_commit) or self._in_transaction() or bool(self._held)

    def _in_transaction(self) -> bool:
        return self._session is not None and self._session.in_transaction()

    async def __aenter__(self) -> Self:
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        session, self._session = self._session, None
        self._held.clear()  # a unit left without committing writes nothing
        try:
            if session is not None:
                session.info.pop(_HELD, None)
                try:
                    if not self._committed:
                        await session.rollback()
                finally:
                    await session.close()
        finally:
            self._before_commit.clear()
            self._after_commit.clear()
            self.scratch.clear()

    def enqueue(self, actor_name: str, job_id: str, *, delay_ms: int = 0) -> None:
        """Sends the job's message once the job row is committed; a rollback sends nothing.
        With a delay, the message is delivered no earlier than `delay_ms` after the send.

        A crash between commit and send leaves the job QUEUED for the stale-job sweep.
        """
        messages = _job_messages
        if messages is None:
            raise RuntimeError("no job sender installed in this process")

        async def send() -> None:
            await messages.send(actor_name, job_id, delay_ms)

        self.after_commit(send)

    def hold_write(self, alone: WriteAlone, in_transaction: WriteInTransaction) -> bool:
        """Holds a write back until the unit commits, when its transaction has not begun:
        if it never does, `alone` makes the write by itself at the commit (one statement,
        committed on its own, instead of a transaction around it); once it does,
        `in_transaction` makes it there first. False when the transaction has begun already:
        the caller writes now."""
        if self._in_transaction():
            return False
        self._held.append((alone, in_transaction))
        return True

    def after_commit(self, effect: AfterCommit) -> None:
        """Buffer a side effect (an event, a job message) to run once the commit succeeded."""
        self._after_commit.append(effect)

    def before_commit(self, step: AfterCommit) -> None:
        """Buffer a last write of the transaction (logging its events, say), run just before
        the commit: locks it takes are held for the shortest time, and taken last."""
        self._before_commit.append(step)

    async def commit(self) -> None:
        if self._committed:
            raise RuntimeError("A unit of work commits once")
        steps, self._before_commit = self._before_commit, []
        for step in steps:
            await step()
        try:
            held = self._held
            if len(held) == 1 and not self._in_transaction():
                alone, _ = held.pop()
                await alone()
            elif held:  # more than one: they commit together, in a transaction
                await self.session.connection()
                await self.session.commit()
            elif self._session is not None:
                await self._session.commit()
        except Exception as exc:
            # A pool with nothing free sent nothing, and a conflict is the server's own
            # rollback; any other outage may have struck after the server committed.
            if outage_code(exc) in (None, CONFLICT) or isinstance(exc, sqlalchemy.exc.TimeoutError):
                raise
            raise CommitOutcomeUnknown("the connection failed during the commit") from exc
        self._committed = True
        effects, self._after_commit = self._after_commit, []
        for effect in effects:
            try:
                await effect()
            except Exception:
                # The data is committed; a lost side effect is repaired by the sweeps
                # (jobs stay QUEUED, events are replayed from PostgreSQL with `after:`).
                log.exception("after-commit side effect failed")
