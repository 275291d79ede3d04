"""Authorization in the GraphQL layer: role permissions and the visibility guard.

The guard checks every object any field returns — at the root, on edges, inside
connections — against `resolvers.access`, so no query path reaches another user's data
even if a resolver forgets to scope a query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    default_field_resolver,
    get_named_type,
)
from graphql.pyutils import is_awaitable
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


def install_visibility_guard(schema: GraphQLSchema) -> None:
    """Wraps the resolver of every field that returns objects with `ensure_can_view`.

    Installed on the built schema rather than as a per-field extension hook: fields that
    return scalars (the great majority of a large answer) keep their plain resolvers.
    """
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for field in graphql_type.fields.values():
            if isinstance(get_named_type(field.type), GraphQLObjectType | GraphQLInterfaceType):
                field.resolve = _guarded(field.resolve or default_field_resolver)


def _guarded(resolve: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(root: Any, info: GraphQLResolveInfo, **kwargs: Any) -> Any:
        result = resolve(root, info, **kwargs)
        if isinstance(result, Guarded | list):
            _check(result, info)
        elif is_awaitable(result):
            return _checked(result, info)
        return result

    return guarded


async def _checked(pending: Awaitable[Any], info: GraphQLResolveInfo) -> Any:
    result = await pending
    _check(result, info)
    return result


def _check(result: Any, info: GraphQLResolveInfo) -> None:
    viewer = info.context.viewer
    if isinstance(result, Guarded):
        ensure_can_view(viewer, result.source)
    elif isinstance(result, list):
        for item in result:
            if isinstance(item, Guarded):
                ensure_can_view(viewer, item.source)
