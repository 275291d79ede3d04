"""Failures of the servers StudyGraph depends on, told apart from bugs: a client can retry
them, and is told so instead of getting an internal error.

- `SERVICE_UNAVAILABLE`: no database connection free within the pool timeout, a connection
  lost (PostgreSQL restarted, a backend terminated, the network gone), a server refusing
  connections, Redis unreachable or stalled.
- `TIMEOUT`: a statement or a lock wait cut by the database's timeouts.
- `CONFLICT`: PostgreSQL rolled the transaction back to settle a deadlock or a
  serialization failure with another one; run again, it normally goes through.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

import redis.exceptions
import sqlalchemy.exc

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
TIMEOUT = "TIMEOUT"
CONFLICT = "CONFLICT"

_TIMEOUT_STATES = {"57014", "55P03"}  # query_canceled (statement_timeout), lock_not_available
_CONFLICT_STATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
# admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections; class 08 below
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300"}
_NETWORK_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN}


class CommitOutcomeUnknown(Exception):
    """The connection failed while the transaction was committing: the server may have
    committed it before the answer was lost, so a retry could apply it twice. Not an
    outage to retry blindly; the client must look before it tries again."""


def outage_code(error: BaseException) -> str | None:
    """The retryable code for `error`, or None when it is not an outage."""
    if isinstance(error, CommitOutcomeUnknown):
        return None
    for cause in _causes(error):
        if isinstance(cause, sqlalchemy.exc.TimeoutError):  # the pool had nothing free
            return SERVICE_UNAVAILABLE
        if isinstance(cause, sqlalchemy.exc.DBAPIError) and cause.connection_invalidated:
            return SERVICE_UNAVAILABLE
        state = getattr(cause, "sqlstate", None)
        if isinstance(state, str):
            if state in _TIMEOUT_STATES:
                return TIMEOUT
            if state in _CONFLICT_STATES:
                return CONFLICT
            if state.startswith("08") or state in _UNAVAILABLE_STATES:
                return SERVICE_UNAVAILABLE
        if isinstance(
            cause,
            ConnectionError
            | TimeoutError
            | socket.gaierror  # the server's name does not resolve
            | redis.exceptions.ConnectionError
            | redis.exceptions.TimeoutError,
        ):
            return SERVICE_UNAVAILABLE
        if isinstance(cause, OSError) and cause.errno in _NETWORK_ERRNOS:
            return SERVICE_UNAVAILABLE
    return None


def outcome_unknown(error: BaseException) -> bool:
    """Whether `error` is, or was raised from, a commit whose outcome is unknown."""
    return any(isinstance(cause, CommitOutcomeUnknown) for cause in _causes(error))


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, what SQLAlchemy wrapped in it, and what it was raised from."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        cause = pending.pop()
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        yield cause
        orig = getattr(cause, "orig", None)
        # Not `__context__`: a bug raised while handling an outage is still a bug.
        pending += [cause.__cause__, orig if isinstance(orig, BaseException) else None]
