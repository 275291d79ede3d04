"""Operations a minute per signed-in user, counted in Redis so every api instance shares
the count: queries (and subscriptions started) and mutations each have their own allowance.
An operation over it runs nothing and is told when to retry. Signing up and in are limited
on their own terms (login failures per account and attempts per address, `resolvers.auth`);
an address is not a person, and many share one behind a school's gateway.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from core.rate_limit import RateLimiter
from graph.context import Context

RATE_LIMITED = "RATE_LIMITED"
WINDOW_SECONDS = 60


class OperationRateLimit(SchemaExtension):
    def __init__(self, *, queries_per_minute: int, mutations_per_minute: int):
        self.queries_per_minute = queries_per_minute
        self.mutations_per_minute = mutations_per_minute

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        viewer = context.viewer if isinstance(context, Context) else None
        # A document refused already (too costly, say) is not counted: it ran nothing.
        if execution.result is None and viewer is not None:
            mutation = execution.operation_type == OperationType.MUTATION
            kind, allowed = (
                ("mutations", self.mutations_per_minute)
                if mutation
                else ("queries", self.queries_per_minute)
            )
            now = time.time()
            window = int(now // WINDOW_SECONDS)
            # The window's number is in the key, so the count restarts with each minute
            # whenever Redis expires it.
            count = await RateLimiter(context.redis, prefix="rl:ops").hit(
                f"{kind}:{viewer.user_id}:{window}", 2 * WINDOW_SECONDS
            )
            if count > allowed:
                retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
                # Raised, not set as the result: a subscription would start regardless of
                # a result set here, while an error raised in this hook ends any operation.
                raise GraphQLError(
                    f"More than {allowed} {kind} a minute; retry in {retry_after} s.",
                    extensions={"code": RATE_LIMITED, "retryAfter": retry_after},
                )
        yield
