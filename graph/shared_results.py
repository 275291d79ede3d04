"""Resolving a shared subscription event once per distinct selection set.

Thousands of subscribers of one leaderboard receive the same update object. Resolving its
selection set and building the result for each of them is most of the cost of a fan-out,
and yields the same answer whenever the documents and variables are the same: an event
that carries `shared_results` keeps the first answer for each and hands it to the rest.
Only events whose fields read nothing of the viewer may carry it.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import orjson
from graphql import OperationDefinitionNode, print_ast
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_operation(self, serially: bool | None = None) -> Any:
        shared = getattr(self.root_value, "shared_results", None)
        if not isinstance(shared, dict):
            return super().execute_operation(serially)
        variables = orjson.dumps(self.variable_values, option=orjson.OPT_SORT_KEYS, default=str)
        key = (_text_of(self.operation), variables)
        found = shared.get(key)
        if found is None:
            found = super().execute_operation(serially)
            if inspect.isawaitable(found):
                # Subscribers that arrive while it resolves wait for the same answer.
                found = asyncio.ensure_future(found)
            shared[key] = found
        return found


def _text_of(operation: OperationDefinitionNode) -> tuple[str, int]:
    """The document as the client wrote it (fragments included) and where the operation
    starts in it: equal texts select the same fields."""
    loc = operation.loc
    if loc is None:
        return print_ast(operation), 0
    return loc.source.body, loc.start
