"""GraphQL over WebSocket with graphql-transport-ws; the same limits and masking apply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from graph.app import create_app
from tests.conftest import make_settings

PROTOCOL = "graphql-transport-ws"


@pytest.fixture
def ws_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'db'}")
    with TestClient(create_app(settings)) as client:
        yield client


def test_query_over_websocket(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        assert ws.accepted_subprotocol == PROTOCOL
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }"}})
        assert ws.receive_json() == {
            "type": "next",
            "id": "1",
            "payload": {"data": {"__typename": "Query"}},
        }
        assert ws.receive_json() == {"type": "complete", "id": "1"}


def test_limits_and_masking_apply_over_websocket(ws_client: TestClient) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(16))
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init"})
        ws.receive_json()
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": "{ " + aliases + " }"}})
        message = ws.receive_json()
        assert message["type"] == "error"
        assert message["payload"][0]["message"] == "16 aliases found. Allowed: 15"

        ws.send_json(
            {"type": "subscribe", "id": "2", "payload": {"query": "{ serverInfo { version } }"}}
        )
        message = ws.receive_json()
        assert message["type"] == "next"
        [error] = message["payload"]["errors"]
        assert error["message"] == "Internal server error"
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert len(error["extensions"]["requestId"]) == 32


def test_legacy_protocol_is_refused_by_default(ws_client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        ws_client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4406
