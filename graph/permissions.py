"""Authorization in the GraphQL layer: role permissions and the visibility guard.

The guard checks every object any field returns — at the root, on edges, inside
connections — against `resolvers.access`, so no query path reaches another user's data
even if a resolver forgets to scope a query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission

from db.models.users import Role
from resolvers.access import ensure_can_view, require_role, require_viewer


class Guarded:
    """A GraphQL object backed by a model instance (`source`) that only some may see."""

    source: Any


class IsAuthenticated(BasePermission):
    message = "Sign in first"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        require_viewer(info.context.viewer)
        return True


class IsAdmin(BasePermission):
    message = "Your role does not allow this"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        require_role(info.context.viewer, Role.ADMIN)
        return True


class VisibilityGuard(SchemaExtension):
    """Runs `ensure_can_view` on every guarded object a field resolves to."""

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        result = _next(root, info, *args, **kwargs)
        if isawaitable(result):
            return self._checked(result, info)
        _check(result, info)
        return result

    async def _checked(self, pending: Awaitable[Any], info: GraphQLResolveInfo) -> Any:
        result = await pending
        _check(result, info)
        return result


def _check(result: Any, info: GraphQLResolveInfo) -> None:
    if isinstance(result, Guarded):
        ensure_can_view(info.context.viewer, result.source)
    elif isinstance(result, list):
        for item in result:
            if isinstance(item, Guarded):
                ensure_can_view(info.context.viewer, item.source)
