"""GraphQL over WebSocket (graphql-transport-ws), served by Strawberry's ASGI view.

A `subscribe` may carry a persisted query's hash in its payload's `extensions`, as over HTTP.

The access token travels in `connection_init` (`{"authorization": "Bearer …"}`); a missing
or bad one closes the socket with 4403, and so does the token's expiry or the end of the
user's sessions elsewhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import orjson
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types.unset import UNSET, UnsetType

from core.errors import AuthenticationError
from core.settings import Settings
from graph.context import Context
from graph.live import LiveConnections
from graph.persisted_queries import PersistedQueries, PersistedQueryRejected
from graph.schema import StudyGraphSchema
from resolvers.access import Viewer

WebSocketContextFactory = Callable[[WebSocket], Awaitable[Context]]
Authenticate = Callable[[str], Awaitable[Viewer]]


def bearer_token(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


class PersistedQueryHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with Apollo's persisted-query extension on `subscribe`."""

    view: GraphQLWebSocket

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload")
        extensions = payload.get("extensions") if isinstance(payload, dict) else None
        if (
            self.connection_acknowledged
            and isinstance(extensions, dict)
            and "persistedQuery" in extensions
        ):
            try:
                payload["query"] = await self.view.persisted.query_for(
                    payload.get("query"), extensions["persistedQuery"]
                )
            except PersistedQueryRejected as rejected:
                await self.websocket.send_json(
                    {"id": message["id"], "type": "error", "payload": [rejected.formatted()]}
                )
                return
        await super().handle_subscribe(message)


class GraphQLWebSocket(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = PersistedQueryHandler

    def __init__(
        self,
        schema: StudyGraphSchema,
        settings: Settings,
        make_context: WebSocketContextFactory,
        authenticate: Authenticate,
        live: LiveConnections,
        persisted: PersistedQueries,
        *,
        legacy_protocol: bool = False,
    ):
        protocols = (GRAPHQL_TRANSPORT_WS_PROTOCOL,) + (
            (GRAPHQL_WS_PROTOCOL,) if legacy_protocol else ()
        )
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=protocols,
            connection_init_wait_timeout=timedelta(
                seconds=settings.connection_init_timeout_seconds
            ),
            max_subscriptions_per_connection=settings.subscriptions_per_connection,
            keep_alive=True,
            keep_alive_interval=15,
        )
        self._make_context = make_context
        self._authenticate = authenticate
        self.live = live
        self.persisted = persisted

    def encode_json(self, data: object) -> str:
        # Text frames, as graphql-transport-ws clients expect; orjson is several times
        # faster than json, and a fan-out encodes once per subscriber.
        return orjson.dumps(data).decode()

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        assert isinstance(request, WebSocket)
        return await self._make_context(request)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        token = bearer_token(params.get("authorization") or params.get("Authorization"))
        if token is None:
            raise ConnectionRejectionError()
        try:
            viewer = await self._authenticate(token)
        except AuthenticationError:
            raise ConnectionRejectionError() from None
        context.viewer = viewer
        assert isinstance(context.request, WebSocket)
        self.live.add(viewer.user_id, context.request, viewer.token_expires_at)
        return UNSET

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        finally:
            if isinstance(request, WebSocket):
                self.live.remove(request)
