"""Error shaping: domain codes pass through, everything unexpected is masked."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Iterator
from typing import TypeVar

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import StreamExecutionResult

from core.errors import DomainError, UserInputError
from core.logging import request_id_var
from core.outages import CONFLICT, SERVICE_UNAVAILABLE, TIMEOUT, outage_code, outcome_unknown
from graph.metrics import count_error

log = logging.getLogger("studygraph.graphql")

INTERNAL_ERROR_MESSAGE = "Internal server error"
OUTAGE_MESSAGES: dict[str, str] = {
    SERVICE_UNAVAILABLE: "Service unavailable for a moment; retry",
    TIMEOUT: "The database took too long; retry",
    CONFLICT: "Another change got in the way at the same moment; retry",
}
# The connection failed while the change was committing: it may have been saved. Not
# retryable as such; the client reads the state back first.
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
OUTCOME_UNKNOWN_MESSAGE = (
    "The database was lost while saving: the change may or may not have been saved; "
    "read it back before trying again"
)
# What an unexpected failure is told as, by its code; anything else is an internal error.
_UNEXPECTED_MESSAGES = OUTAGE_MESSAGES | {OUTCOME_UNKNOWN: OUTCOME_UNKNOWN_MESSAGE}
T = TypeVar("T")
_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)


@strawberry.type(description="An expected problem with the input of a mutation.")
class UserError:
    code: str = strawberry.field(description="Stable machine-readable error code.")
    message: str = strawberry.field(description="Human-readable explanation.")
    field: str | None = strawberry.field(
        default=None, description="The input field at fault, when there is one."
    )

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(code=error.code, message=error.message, field=error.field)


def is_unexpected(error: GraphQLError) -> bool:
    """Errors raised by our code that are not domain errors: bugs and outages."""
    original = error.original_error
    return original is not None and not isinstance(original, DomainError | GraphQLError)


class ShapeErrors(SchemaExtension):
    """Keeps `extensions.code` for domain and request errors; masks the rest behind a request id.

    Unexpected errors are logged whole (with their traceback) by `Schema.process_errors`
    before this runs; the client sees only the request id to quote.
    """

    def __init__(self, *, field_suggestions: bool = True):
        self.field_suggestions = field_suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = shape_errors(result.errors, field_suggestions=self.field_suggestions)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Each result sent over a WebSocket (queries, mutations, subscription events)."""
        errors = getattr(result, "errors", None)  # incremental frames carry none
        if errors:
            result.errors = shape_errors(errors, field_suggestions=self.field_suggestions)  # type: ignore[union-attr]
        yield


def shape_errors(errors: list[GraphQLError], *, field_suggestions: bool) -> list[GraphQLError]:
    """Idempotent, so transports can apply it again to errors raised outside the operation."""
    return [_shape(error, field_suggestions) for error in errors]


def error_code(error: GraphQLError) -> str:
    """The `extensions.code` a client gets for `error`."""
    original = error.original_error
    if is_unexpected(error):
        assert original is not None
        if outcome_unknown(original):
            return OUTCOME_UNKNOWN
        return outage_code(original) or "INTERNAL_SERVER_ERROR"
    if isinstance(original, DomainError):
        return original.code
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_REQUEST"


def _shape(error: GraphQLError, field_suggestions: bool) -> GraphQLError:
    original = error.original_error
    code = error_code(error)
    if is_unexpected(error):
        extensions: dict[str, object] = {"code": code, "requestId": request_id_var.get()}
        if code in OUTAGE_MESSAGES:
            extensions["retryable"] = True
        return GraphQLError(
            _UNEXPECTED_MESSAGES.get(code, INTERNAL_ERROR_MESSAGE),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
    message = error.message if field_suggestions else _SUGGESTION.sub("", error.message)
    extensions = dict(error.extensions or {}) | {"code": code}
    if isinstance(original, DomainError) and original.field:
        extensions["field"] = original.field
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def record_errors(errors: list[GraphQLError]) -> None:
    """Counts every error by its code (for `/metrics`) and logs our own failures whole."""
    for error in errors:
        count_error(error_code(error))
        if is_unexpected(error):
            log.error(
                "unexpected error in %s",
                ".".join(str(p) for p in error.path or ()) or "operation",
                exc_info=error.original_error,
            )


async def user_errors(call: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Awaits a business operation; refused input becomes `errors`, anything else raises."""
    try:
        return await call, []
    except UserInputError as error:
        return None, [UserError.from_domain(error)]
