"""GraphQL over HTTP, as the GraphQL-over-HTTP specification asks.

Media types: `application/graphql-response+json` (the default when no Accept header is
sent) with the spec's 4xx codes for request errors, and `application/json` for older
clients, which get 200 for a well-formed request. Either way, too many operations a minute
get 429 and a database that cannot check the token 503, both with `Retry-After`. Batching
is off.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from core.errors import AuthenticationError
from core.outages import outage_code
from core.settings import Settings
from graph.context import Context
from graph.errors import OUTAGE_MESSAGES, shape_errors
from graph.ide import graphiql_html
from graph.metrics import count_error
from graph.persisted_queries import PersistedQueries, PersistedQueryRejected
from graph.rate_limits import RATE_LIMITED
from graph.schema import StudyGraphSchema

log = logging.getLogger("studygraph.http")

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
ALLOWED_METHODS = "GET, POST"

ContextFactory = Callable[[Request], Awaitable[Context]]


class RequestRejected(Exception):
    """A request that is not a well-formed GraphQL-over-HTTP request."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str,
        headers: dict[str, str] | None = None,
        *,
        retryable: bool = False,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}
        self.retryable = retryable


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when nothing we speak is accepted.

    Wildcards get `application/json`: clients that accept anything are usually older ones
    that expect 200 on errors.
    """
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE_JSON
    best: tuple[tuple[float, int], str] | None = None
    for index, part in enumerate(accept.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        media = media.lower()
        q = 1.0
        charset_ok = True
        for param in params:
            key, _, value = param.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"').lower()
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
            elif key == "charset" and value not in ("utf-8", "utf8"):
                charset_ok = False
        if q <= 0 or not charset_ok:
            continue
        if media in (GRAPHQL_RESPONSE_JSON, APPLICATION_JSON):
            chosen = media
        elif media in ("*/*", "application/*"):
            chosen = APPLICATION_JSON
        else:
            continue
        rank = (q, -index)
        if best is None or rank > best[0]:
            best = (rank, chosen)
    return best[1] if best else None


def wants_graphiql(request: Request) -> bool:
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


class GraphQLHTTPEndpoint:
    def __init__(
        self,
        schema: StudyGraphSchema,
        settings: Settings,
        make_context: ContextFactory,
        persisted: PersistedQueries,
    ):
        self.schema = schema
        self.settings = settings
        self.make_context = make_context
        self.persisted = persisted
        self._ide_html = graphiql_html()

    async def handle(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        if self.settings.graphiql_enabled and wants_graphiql(request):
            return HTMLResponse(self._ide_html)
        try:
            if request.method not in ("GET", "POST"):
                raise RequestRejected(
                    405,
                    "GraphQL is served over GET and POST",
                    "METHOD_NOT_ALLOWED",
                    {"Allow": ALLOWED_METHODS},
                )
            if media is None:
                raise RequestRejected(
                    406,
                    f"Accept {GRAPHQL_RESPONSE_JSON} or {APPLICATION_JSON}",
                    "NOT_ACCEPTABLE",
                )
            params = await self.read_params(request, media)
            return await self.execute(request, params, media)
        except RequestRejected as rejected:
            count_error(rejected.code)
            extensions: dict[str, Any] = {"code": rejected.code}
            if rejected.retryable:
                extensions["retryable"] = True
            body = {"errors": [{"message": rejected.message, "extensions": extensions}]}
            return self.respond(body, rejected.status, media or APPLICATION_JSON, rejected.headers)

    async def read_params(self, request: Request, media: str) -> dict[str, Any]:
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            for key in ("variables", "extensions"):
                if isinstance(params.get(key), str):
                    params[key] = _json_param(params[key], key)
        else:
            params = _json_body(await self.read_body(request))
        extensions = params.get("extensions")
        if isinstance(extensions, dict) and "persistedQuery" in extensions:
            params["query"] = await self.persisted_query(params, extensions, media)
        query = params.get("query")
        if not isinstance(query, str) or not query.strip():
            raise RequestRejected(400, "The request must carry a `query` string", "BAD_REQUEST")
        if len(query) > self.settings.max_query_chars:
            raise RequestRejected(
                413,
                f"The query exceeds {self.settings.max_query_chars} characters",
                "QUERY_TOO_LARGE",
            )
        for key, kind in (("operationName", str), ("variables", dict), ("extensions", dict)):
            if params.get(key) is not None and not isinstance(params[key], kind):
                raise RequestRejected(
                    400,
                    f"`{key}` must be {'a string' if kind is str else 'an object'}",
                    "BAD_REQUEST",
                )
        return params

    async def persisted_query(
        self, params: dict[str, Any], extensions: dict[str, Any], media: str
    ) -> str:
        try:
            return await self.persisted.query_for(params.get("query"), extensions["persistedQuery"])
        except PersistedQueryRejected as rejected:
            if rejected.retryable:
                raise RequestRejected(
                    503,
                    rejected.message,
                    rejected.code,
                    {"Retry-After": "1"},
                    retryable=True,
                ) from rejected
            # A request error, told as the GraphQL-over-HTTP media type tells them.
            status = rejected.status or (400 if media == GRAPHQL_RESPONSE_JSON else 200)
            raise RequestRejected(status, rejected.message, rejected.code) from rejected

    async def read_body(self, request: Request) -> bytes:
        content_type = request.headers.get("content-type")
        if content_type is None:
            raise RequestRejected(
                415, "POST requests need Content-Type: application/json", "UNSUPPORTED_MEDIA_TYPE"
            )
        media, *params = (piece.strip().lower() for piece in content_type.split(";"))
        charset = next(
            (p.split("=", 1)[1].strip('"') for p in params if p.startswith("charset=")), None
        )
        if media != APPLICATION_JSON or charset not in (None, "utf-8", "utf8"):
            raise RequestRejected(
                415, "POST requests need Content-Type: application/json", "UNSUPPORTED_MEDIA_TYPE"
            )
        limit = self.settings.max_body_bytes
        too_large = RequestRejected(
            413, f"The request body exceeds {limit} bytes", "BODY_TOO_LARGE"
        )
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
        except ClientDisconnect as exc:
            raise RequestRejected(400, "The client went away", "BAD_REQUEST") from exc
        return b"".join(chunks)

    async def execute(self, request: Request, params: dict[str, Any], media: str) -> Response:
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            context = await self.make_context(request)
        except AuthenticationError as exc:
            raise RequestRejected(
                401,
                exc.message,
                exc.code,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from exc
        except Exception as exc:
            # Checking the token reads the database: when it cannot, nothing has run yet.
            outage = outage_code(exc)
            if outage is None:
                raise
            log.warning("request refused, %s: %r", outage, exc)
            raise RequestRejected(
                503, OUTAGE_MESSAGES[outage], outage, {"Retry-After": "1"}, retryable=True
            ) from exc
        try:
            result = await self.schema.execute(
                params["query"],
                variable_values=params.get("variables"),
                context_value=context,
                operation_name=params.get("operationName"),
                allowed_operation_types=allowed,
                operation_extensions=params.get("extensions"),
            )
        except InvalidOperationTypeError as exc:
            if request.method == "GET" and exc.operation_type == OperationType.MUTATION:
                raise RequestRejected(
                    405,
                    "Mutations are only accepted over POST",
                    "METHOD_NOT_ALLOWED",
                    {"Allow": "POST"},
                ) from exc
            raise RequestRejected(
                400, "Subscriptions are served over WebSocket", "BAD_REQUEST"
            ) from exc
        except CannotGetOperationTypeError as exc:
            raise RequestRejected(400, exc.as_http_error_reason(), "BAD_REQUEST") from exc
        except MissingQueryError as exc:
            raise RequestRejected(
                400, "The request must carry a `query` string", "BAD_REQUEST"
            ) from exc

        if result.errors:
            result.errors = shape_errors(
                result.errors, field_suggestions=self.settings.field_suggestions_enabled
            )
        body: dict[str, Any] = dict(process_result(result))
        # A request error (parse, validation, variables, limits) means execution never
        # started: the response has no `data` entry at all, and errors carry no path.
        request_error = (
            bool(result.errors)
            and result.data is None
            and all(error.path is None for error in result.errors or ())
        )
        if request_error:
            body.pop("data", None)
        errors = result.errors or []
        codes = [(error.extensions or {}).get("code") for error in errors]
        if RATE_LIMITED in codes:
            limited = errors[codes.index(RATE_LIMITED)]
            retry_after = str((limited.extensions or {})["retryAfter"])
            return self.respond(body, 429, media, {"Retry-After": retry_after})
        if request_error and any(code in OUTAGE_MESSAGES for code in codes):
            # Redis or the database failed before the operation ran (its rate count, say).
            return self.respond(body, 503, media, {"Retry-After": "1"})
        status = 400 if request_error and media == GRAPHQL_RESPONSE_JSON else 200
        return self.respond(body, status, media)

    @staticmethod
    def respond(
        body: dict[str, Any], status: int, media: str, headers: dict[str, str] | None = None
    ) -> Response:
        return Response(
            orjson.dumps(body),
            status_code=status,
            media_type=f"{media}; charset=utf-8",
            headers=headers,
        )


def _json_param(raw: str, name: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise RequestRejected(400, f"`{name}` is not valid JSON", "BAD_REQUEST") from exc


def _json_body(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise RequestRejected(400, "The body is not valid JSON", "BAD_REQUEST") from exc
    if isinstance(data, list):
        raise RequestRejected(
            400, "Batched requests are not accepted: send one operation", "BATCHING_DISABLED"
        )
    if not isinstance(data, dict):
        raise RequestRejected(400, "The body must be a JSON object", "BAD_REQUEST")
    return data
