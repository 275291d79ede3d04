"""Global ids and cursors round-trip; malformed ones are input errors."""

from __future__ import annotations

import uuid

import pytest

from core.cursors import decode_cursor, encode_cursor
from core.errors import UserInputError
from core.ids import from_global_id, new_id, to_global_id
from graph.relay import check_page_size

# The same outcome whatever servers the suite runs against: run on the embedded default only.
pytestmark = pytest.mark.no_servers


def test_global_id_round_trip() -> None:
    local = uuid.UUID("0190e0c0-0000-7000-8000-000000000001")
    global_id = to_global_id("Goal", local)
    assert from_global_id(global_id) == ("Goal", local)


@pytest.mark.parametrize("bad", ["", "%%%", to_global_id("Goal", "nope"), "R29hbA"])
def test_malformed_global_ids(bad: str) -> None:
    with pytest.raises(UserInputError) as refused:
        from_global_id(bad)
    assert refused.value.code == "INVALID_ID"


def test_uuid7_layout() -> None:
    ids = [new_id() for _ in range(1000)]
    assert {i.version for i in ids} == {7}
    assert {i.variant for i in ids} == {uuid.RFC_4122}
    assert len(set(ids)) == 1000
    # One process makes strictly increasing ids, even within one millisecond.
    assert ids == sorted(ids)


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor(["2026-01-01T00:00:00+00:00", "abc"])) == [
        "2026-01-01T00:00:00+00:00",
        "abc",
    ]


@pytest.mark.parametrize(("first", "ok"), [(0, False), (1, True), (100, True), (101, False)])
def test_page_size_range(first: int, ok: bool) -> None:
    if ok:
        assert check_page_size(first, 100) == first
    else:
        with pytest.raises(UserInputError) as refused:
            check_page_size(first, 100)
        assert refused.value.code == "INVALID_PAGE_SIZE"
