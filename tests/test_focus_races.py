"""Racing calls on focus sessions and blocked sites.

Starts race for the one open session a user may have; on one session or site, every racing
call reads before any commits: a transition must not overwrite one that committed meanwhile,
counters must not lose increments, duplicates are refused cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

import pytest

from core.errors import DomainError, UserInputError
from core.unit_of_work import UnitOfWork
from db.models.focus import BlockedSite, Distraction, DistractionKind, FocusSession, FocusStatus
from resolvers import blocked_sites as blocked_site_rules
from resolvers import focus as focus_rules
from resolvers.access import Viewer
from tests.focus_helpers import MINUTE, T0, Factory, count_rows, stored_session

# How long a commit waits for the other racers before going ahead anyway (a fixed product
# may serialise them before they reach the commit).
COMMIT_WAIT_SECONDS = 0.5


@pytest.fixture
def commits_wait_for(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Makes the interleaving deterministic: each unit of work waits before its commit until
    `parties` of them are there, so every racer has read the row before any writes it."""

    def install(parties: int) -> None:
        barrier = asyncio.Barrier(parties)
        original = UnitOfWork.commit

        async def commit(self: UnitOfWork) -> None:
            with contextlib.suppress(TimeoutError, asyncio.BrokenBarrierError):
                await asyncio.wait_for(barrier.wait(), COMMIT_WAIT_SECONDS)
            await original(self)

        monkeypatch.setattr(UnitOfWork, "commit", commit)

    return install


def outcome(result: object) -> str:
    """OK for a success, the code of a domain error, else the exception's type."""
    if isinstance(result, DomainError):
        return result.code
    if isinstance(result, BaseException):
        return type(result).__name__
    return "OK"


def outcome_codes(results: Sequence[object]) -> list[str]:
    """The outcomes of racing calls, sorted (which racer wins is not specified)."""
    return sorted(outcome(result) for result in results)


# ---------------------------------------------------------------------------------------------
# racing starts: still one open session per user
# ---------------------------------------------------------------------------------------------


async def test_concurrent_starts_open_exactly_one_session(
    session_factory: Factory, viewer: Viewer
) -> None:
    results = await asyncio.gather(
        *(
            focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0)
            for _ in range(10)
        ),
        return_exceptions=True,
    )
    started = [r for r in results if isinstance(r, FocusSession)]
    refused = [r for r in results if isinstance(r, UserInputError)]
    assert len(started) == 1, results
    assert len(refused) == 9, results
    assert {error.code for error in refused} == {"FOCUS_SESSION_ACTIVE"}
    assert await count_rows(session_factory, FocusSession, viewer.user_id) == 1
    open_now = await focus_rules.active_focus_session(session_factory, viewer)
    assert open_now is not None and open_now.id == started[0].id


async def test_racing_starts_past_the_check_are_refused_by_the_database(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    """Both pass the "no open session" check before either commits: the unique index refuses
    the second insert, which still reads as FOCUS_SESSION_ACTIVE."""
    commits_wait_for(2)
    results = await asyncio.gather(
        focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0),
        focus_rules.start_focus_session(session_factory, viewer, 50, None, now=T0),
        return_exceptions=True,
    )
    assert outcome_codes(results) == ["FOCUS_SESSION_ACTIVE", "OK"]
    assert await count_rows(session_factory, FocusSession, viewer.user_id) == 1


# ---------------------------------------------------------------------------------------------
# concurrent changes to one session or site
# ---------------------------------------------------------------------------------------------


async def test_concurrent_completions_complete_once(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    session = await focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0)
    commits_wait_for(2)
    results = await asyncio.gather(
        *(
            focus_rules.complete_focus_session(
                session_factory, viewer, session.id, now=T0 + minutes * MINUTE
            )
            for minutes in (30, 40)
        ),
        return_exceptions=True,
    )
    # Every success publishes FocusSessionCompleted: it must happen once.
    assert outcome_codes(results) == ["INVALID_SESSION_STATE", "OK"]


async def test_concurrent_pause_and_complete_leave_a_consistent_session(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    session = await focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0)
    commits_wait_for(2)
    results = await asyncio.gather(
        focus_rules.pause_focus_session(session_factory, viewer, session.id, now=T0 + MINUTE),
        focus_rules.complete_focus_session(
            session_factory, viewer, session.id, now=T0 + 2 * MINUTE
        ),
        return_exceptions=True,
    )
    # One of the two goes first and the other is decided on its result: a pause that wins
    # is counted by the completion; a completion that wins leaves nothing to pause.
    stored = await stored_session(session_factory, session.id)
    assert (stored["status"], stored["ended_at"], stored["paused_at"]) == (
        FocusStatus.COMPLETED,
        T0 + 2 * MINUTE,
        None,
    )
    if outcome_codes(results) == ["OK", "OK"]:
        assert (stored["pause_count"], stored["paused_seconds"]) == (1, 60)
    else:
        assert outcome_codes(results) == ["INVALID_SESSION_STATE", "OK"]
        assert (stored["pause_count"], stored["paused_seconds"]) == (0, 0)


async def test_concurrent_distractions_are_all_counted(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    session = await focus_rules.start_focus_session(session_factory, viewer, 25, None, now=T0)
    commits_wait_for(3)
    await asyncio.gather(
        *(
            focus_rules.log_distraction(
                session_factory, viewer, DistractionKind.APP, None, now=T0 + MINUTE
            )
            for _ in range(3)
        )
    )
    assert await count_rows(session_factory, Distraction, viewer.user_id) == 3
    assert (await stored_session(session_factory, session.id))["distraction_count"] == 3


async def test_concurrent_duplicate_sites_are_refused_as_duplicates(
    session_factory: Factory, viewer: Viewer, commits_wait_for: Callable[[int], None]
) -> None:
    commits_wait_for(2)
    results = await asyncio.gather(
        *(
            blocked_site_rules.add_blocked_site(session_factory, viewer, "example.com")
            for _ in range(2)
        ),
        return_exceptions=True,
    )
    assert outcome_codes(results) == ["OK", "SITE_ALREADY_BLOCKED"]
    assert await count_rows(session_factory, BlockedSite, viewer.user_id) == 1
