"""Opaque pagination cursors: a keyset (sort values plus id) encoded for the client."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import orjson

from core.errors import UserInputError


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values, default=str)).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error) as exc:
        raise UserInputError("Malformed cursor", code="INVALID_CURSOR", field="after") from exc
    if not isinstance(values, list):
        raise UserInputError("Malformed cursor", code="INVALID_CURSOR", field="after")
    return values
