"""Which failures a client is told to retry: outages of the servers behind the api, never
bugs, and never a commit whose outcome is unknown."""

from __future__ import annotations

import errno
import socket

import asyncpg
import pytest
import redis.exceptions
import sqlalchemy.exc

from core.outages import (
    CONFLICT,
    SERVICE_UNAVAILABLE,
    TIMEOUT,
    CommitOutcomeUnknown,
    outage_code,
)


def raised_from(error: BaseException, cause: BaseException) -> BaseException:
    try:
        raise error from cause
    except BaseException as raised:
        return raised


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (sqlalchemy.exc.TimeoutError("QueuePool limit reached"), SERVICE_UNAVAILABLE),
        (
            asyncpg.exceptions.ConnectionDoesNotExistError("closed mid-operation"),
            SERVICE_UNAVAILABLE,
        ),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), SERVICE_UNAVAILABLE),
        (asyncpg.exceptions.QueryCanceledError("statement timeout"), TIMEOUT),
        (asyncpg.exceptions.LockNotAvailableError("lock timeout"), TIMEOUT),
        (asyncpg.exceptions.DeadlockDetectedError("deadlock detected"), CONFLICT),
        (asyncpg.exceptions.SerializationError("could not serialize access"), CONFLICT),
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), SERVICE_UNAVAILABLE),
        (OSError(errno.EHOSTUNREACH, "no route to host"), SERVICE_UNAVAILABLE),
        (socket.gaierror(socket.EAI_NONAME, "unknown host"), SERVICE_UNAVAILABLE),
        (redis.exceptions.ConnectionError("Redis gone"), SERVICE_UNAVAILABLE),
        (redis.exceptions.TimeoutError("Redis stalled"), SERVICE_UNAVAILABLE),
        # What SQLAlchemy wraps a driver's error in is seen through.
        (
            sqlalchemy.exc.OperationalError(
                "UPDATE …", {}, asyncpg.exceptions.LockNotAvailableError("lock timeout")
            ),
            TIMEOUT,
        ),
        # Bugs and refused input are not outages.
        (ValueError("bad value"), None),
        (OSError(errno.ENOENT, "no such file"), None),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), None),
        # Raised from an outage on purpose: still the outage.
        (raised_from(RuntimeError("no answer"), ConnectionResetError()), SERVICE_UNAVAILABLE),
    ],
)
def test_outage_codes(error: BaseException, code: str | None) -> None:
    assert outage_code(error) == code


def test_a_commit_whose_outcome_is_unknown_is_not_retryable() -> None:
    lost = raised_from(
        CommitOutcomeUnknown("the connection failed during the commit"),
        asyncpg.exceptions.ConnectionDoesNotExistError("closed mid-operation"),
    )
    assert outage_code(lost) is None


def test_an_error_raised_while_handling_an_outage_is_a_bug() -> None:
    try:
        try:
            raise ConnectionError("the outage")
        except ConnectionError:
            raise KeyError("a bug in the handler")  # noqa: B904
    except KeyError as bug:
        assert outage_code(bug) is None
