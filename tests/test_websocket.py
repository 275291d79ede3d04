"""GraphQL over WebSocket (graphql-transport-ws): A6, A7, A8 of HARDENING.md, limits, masking."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from core.ids import from_global_id
from core.tokens import AccessTokens
from db.migrate import upgrade
from graph.app import create_app
from tests.accounts import PASSWORD, REGISTER, new_email
from tests.conftest import make_settings

PROTOCOL = "graphql-transport-ws"


def serve(tmp_path: Path, **overrides: object) -> Iterator[TestClient]:
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", **overrides
    )
    upgrade(settings)
    with TestClient(create_app(settings)) as client:
        client.app_settings = settings  # type: ignore[attr-defined]
        yield client


@pytest.fixture
def ws_client(tmp_path: Path) -> Iterator[TestClient]:
    yield from serve(tmp_path)


@pytest.fixture
def impatient_client(tmp_path: Path) -> Iterator[TestClient]:
    """Waits only half a second for `connection_init` (the other tests get the default, so
    a slow machine's pause before the init cannot close their sockets)."""
    yield from serve(tmp_path, connection_init_timeout_seconds=0.5)


def sign_up(client: TestClient) -> dict[str, Any]:
    response = client.post(
        "/graphql",
        json={
            "query": REGISTER,
            "variables": {
                "input": {"email": new_email(), "password": PASSWORD, "displayName": "Ws"}
            },
        },
    )
    return dict(response.json()["data"]["register"])


def connect(ws: WebSocketTestSession, token: str | None) -> dict[str, Any]:
    payload = {"authorization": f"Bearer {token}"} if token else {}
    ws.send_json({"type": "connection_init", "payload": payload})
    return dict(ws.receive_json())


def closed_code(ws: WebSocketTestSession) -> int:
    with pytest.raises(WebSocketDisconnect) as closed:
        while True:
            ws.receive_json()
    return closed.value.code


def test_query_over_websocket(ws_client: TestClient) -> None:
    account = sign_up(ws_client)
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        assert ws.accepted_subprotocol == PROTOCOL
        assert connect(ws, account["accessToken"]) == {"type": "connection_ack"}
        ws.send_json(
            {"type": "subscribe", "id": "1", "payload": {"query": "{ me { displayName } }"}}
        )
        assert ws.receive_json() == {
            "type": "next",
            "id": "1",
            "payload": {"data": {"me": {"displayName": "Ws"}}},
        }
        assert ws.receive_json() == {"type": "complete", "id": "1"}


def test_limits_apply_over_websocket(ws_client: TestClient) -> None:
    account = sign_up(ws_client)
    aliases = " ".join(f"a{i}: __typename" for i in range(16))
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        connect(ws, account["accessToken"])
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": "{ " + aliases + " }"}})
        message = ws.receive_json()
        assert message["type"] == "error"
        assert message["payload"][0]["message"] == "16 aliases found. Allowed: 15"


def test_the_query_length_limit_applies_over_websocket(ws_client: TestClient) -> None:
    """15 000 characters, as over HTTP, though a WebSocket message may hold 64 KB."""
    account = sign_up(ws_client)

    def padded(length: int) -> str:
        query = "{ __typename }\n# "
        return query + "x" * (length - len(query))

    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        connect(ws, account["accessToken"])
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": padded(15_000)}})
        assert ws.receive_json()["payload"] == {"data": {"__typename": "Query"}}
        assert ws.receive_json() == {"type": "complete", "id": "1"}
        ws.send_json({"type": "subscribe", "id": "2", "payload": {"query": padded(15_001)}})
        assert ws.receive_json() == {
            "type": "error",
            "id": "2",
            "payload": [
                {
                    "message": "The query exceeds 15000 characters",
                    "extensions": {"code": "QUERY_TOO_LARGE"},
                }
            ],
        }


def test_a_persisted_query_is_asked_for_then_run_by_hash_over_websocket(
    ws_client: TestClient,
) -> None:
    account = sign_up(ws_client)
    query = "{ me { displayName } }"
    extensions = {
        "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}
    }
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        connect(ws, account["accessToken"])
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"extensions": extensions}})
        assert ws.receive_json() == {
            "type": "error",
            "id": "1",
            "payload": [
                {
                    "message": "PersistedQueryNotFound",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                }
            ],
        }
        learnt = {"query": query, "extensions": extensions}
        ws.send_json({"type": "subscribe", "id": "2", "payload": learnt})
        assert ws.receive_json()["payload"] == {"data": {"me": {"displayName": "Ws"}}}
        assert ws.receive_json() == {"type": "complete", "id": "2"}
        ws.send_json({"type": "subscribe", "id": "3", "payload": {"extensions": extensions}})
        assert ws.receive_json() == {
            "type": "next",
            "id": "3",
            "payload": {"data": {"me": {"displayName": "Ws"}}},
        }


@pytest.mark.parametrize("token", [None, "not-a-jwt"])
def test_a6_missing_or_bad_token_closes_4403(ws_client: TestClient, token: str | None) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        payload = {"authorization": f"Bearer {token}"} if token else {}
        ws.send_json({"type": "connection_init", "payload": payload})
        assert closed_code(ws) == 4403


def test_a6_subscribe_before_ack_closes_4401(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }"}})
        assert closed_code(ws) == 4401


def test_a6_no_init_closes_4408(impatient_client: TestClient) -> None:
    with impatient_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        assert closed_code(ws) == 4408


def test_a6_second_init_closes_4429(ws_client: TestClient) -> None:
    account = sign_up(ws_client)
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        connect(ws, account["accessToken"])
        ws.send_json(
            {"type": "connection_init", "payload": {"authorization": account["accessToken"]}}
        )
        assert closed_code(ws) == 4429


def test_a7_socket_closes_4403_when_the_token_expires(ws_client: TestClient) -> None:
    account = sign_up(ws_client)
    settings = ws_client.app_settings  # type: ignore[attr-defined]
    _, user_id = from_global_id(account["user"]["id"])
    # A token issued so that it expires two seconds from now.
    lifetime = timedelta(minutes=settings.access_token_minutes)
    token, _ = AccessTokens(settings).issue(
        user_id,
        role="STUDENT",
        token_version=0,
        now=datetime.now(UTC) - lifetime + timedelta(seconds=2),
    )
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        assert connect(ws, token) == {"type": "connection_ack"}
        started = time.monotonic()
        assert closed_code(ws) == 4403
        assert time.monotonic() - started < 10


def test_a8_logout_everywhere_closes_live_sockets(ws_client: TestClient) -> None:
    account = sign_up(ws_client)
    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        assert connect(ws, account["accessToken"]) == {"type": "connection_ack"}
        response = ws_client.post(
            "/graphql",
            json={"query": "mutation { logoutEverywhere { ok } }"},
            headers={"authorization": f"Bearer {account['accessToken']}"},
        )
        assert response.json() == {"data": {"logoutEverywhere": {"ok": True}}}
        assert closed_code(ws) == 4403


def test_legacy_protocol_is_refused_by_default(ws_client: TestClient) -> None:
    with ws_client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
        assert closed_code(ws) == 4406


def test_each_operation_on_a_socket_reads_fresh_data(ws_client: TestClient) -> None:
    """Loaders live for one operation: a query after a mutation on the same socket sees it."""
    account = sign_up(ws_client)
    goals = "{ me { goals(first: 5) { edges { node { title } } } } }"
    create = (
        'mutation { createGoal(input: {title: "Over the socket", category: SKILL}) '
        "{ errors { code } } }"
    )

    def run(ws: WebSocketTestSession, op_id: str, query: str) -> dict[str, Any]:
        ws.send_json({"type": "subscribe", "id": op_id, "payload": {"query": query}})
        message = ws.receive_json()
        assert ws.receive_json() == {"type": "complete", "id": op_id}
        return dict(message["payload"]["data"])

    with ws_client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        assert connect(ws, account["accessToken"]) == {"type": "connection_ack"}
        assert run(ws, "1", goals) == {"me": {"goals": {"edges": []}}}
        assert run(ws, "2", create) == {"createGoal": {"errors": []}}
        assert run(ws, "3", goals) == {
            "me": {"goals": {"edges": [{"node": {"title": "Over the socket"}}]}}
        }


def test_legacy_protocol_is_spoken_when_enabled(tmp_path: Path) -> None:
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", legacy_ws_protocol=True
    )
    upgrade(settings)
    with TestClient(create_app(settings)) as client:
        account = sign_up(client)
        with client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
            assert ws.accepted_subprotocol == "graphql-ws"
            ws.send_json(
                {
                    "type": "connection_init",
                    "payload": {"authorization": f"Bearer {account['accessToken']}"},
                }
            )
            assert ws.receive_json() == {"type": "connection_ack"}
