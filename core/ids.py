"""Identifiers: time-ordered UUIDs for primary keys and Relay global ids."""

from __future__ import annotations

import base64
import binascii
import os
import threading
import time
import uuid

from core.errors import UserInputError

_lock = threading.Lock()
_last_millis = 0
_counter = 0


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so B-tree inserts stay local.

    Within one millisecond the 12-bit `rand_a` field is a counter (RFC 9562, method 1),
    so ids made by one process are strictly increasing.
    """
    global _last_millis, _counter
    with _lock:
        millis = time.time_ns() // 1_000_000
        if millis <= _last_millis:
            millis = _last_millis
            _counter += 1
            if _counter > 0xFFF:  # counter exhausted: borrow the next millisecond
                millis += 1
                _counter = 0
        else:
            _counter = int.from_bytes(os.urandom(2), "big") & 0x7FF  # leave room to count
        _last_millis = millis
        counter = _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def to_global_id(type_name: str, local_id: uuid.UUID | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{local_id}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, uuid.UUID]:
    """Split a global id into its type name and UUID; malformed ids are input errors."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, local = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        if not type_name or not local:
            raise ValueError(global_id)
        return type_name, uuid.UUID(local)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise UserInputError("Malformed id", code="INVALID_ID") from exc
