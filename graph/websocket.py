"""GraphQL over WebSocket (graphql-transport-ws), served by Strawberry's ASGI view."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from core.settings import Settings
from graph.context import Context
from graph.schema import StudyGraphSchema

WebSocketContextFactory = Callable[[WebSocket], Awaitable[Context]]


class GraphQLWebSocket(GraphQL[Context, None]):
    def __init__(
        self,
        schema: StudyGraphSchema,
        settings: Settings,
        make_context: WebSocketContextFactory,
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

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        assert isinstance(request, WebSocket)
        return await self._make_context(request)
