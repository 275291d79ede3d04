"""Identifiers: time-ordered UUIDs for primary keys and Relay global ids."""

from __future__ import annotations

import base64
import binascii
import os
import time
import uuid

from core.errors import UserInputError


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): random but time-ordered, so B-tree inserts stay local."""
    millis = time.time_ns() // 1_000_000 & ((1 << 48) - 1)
    rand_a = int.from_bytes(os.urandom(2), "big") & 0xFFF
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = millis << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
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
