"""Unexpected failures reach the client only as a masked message with a request id."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from core.logging import JsonFormatter, request_id_var
from tests.conftest import make_settings, serve_app
from tests.graphql import error_codes, post


@pytest.mark.parametrize("env", ["development", "production"])
async def test_unexpected_exception_is_masked_with_request_id(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, env: str
) -> None:
    # A database file inside a directory that does not exist: every query fails for real.
    broken = make_settings(
        env=env,
        jwt_secret="a-production-grade-secret-of-more-than-32-bytes",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'db.sqlite'}",
    )
    caplog.set_level(logging.ERROR, logger="studygraph.graphql")
    async with serve_app(broken) as client:
        response = await post(
            client, "{ serverInfo { version } }", headers={"x-request-id": "req-42"}
        )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": "Internal server error",
            "locations": [{"line": 1, "column": 3}],
            "path": ["serverInfo"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"},
        }
    ]
    assert "sqlite" not in response.text.lower()
    assert "Traceback" not in response.text
    # Logged whole, with the request id, for whoever the client quotes it to.
    [record] = [r for r in caplog.records if r.name == "studygraph.graphql"]
    assert record.exc_info is not None
    assert "unable to open database file" in str(record.exc_info[1])


async def test_log_lines_are_json_with_request_id(tmp_path: Path) -> None:
    token = request_id_var.set("rid-7")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
        record.job = "nightly"
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello you"
    assert line["request_id"] == "rid-7"
    assert line["level"] == "INFO"
    assert line["job"] == "nightly"


async def test_domain_error_codes_pass_through(tmp_path: Path) -> None:
    settings = make_settings(
        env="production",
        jwt_secret="a-production-grade-secret-of-more-than-32-bytes",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
    )
    async with serve_app(settings) as client:
        response = await post(client, '{ node(id: "%%%") { id } }')
    assert error_codes(response) == ["INVALID_ID"]
    assert response.json()["errors"][0]["message"] == "Malformed id"
