"""Limits on what a document may ask for, enforced before any resolver runs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
)
from graphql.type import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    SchemaMetaFieldDef,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
)
from strawberry.extensions import SchemaExtension
from strawberry.extensions.parser_cache import _get_parse_cache

PAGE_ARGUMENTS = ("first", "last")


class CachedParser(SchemaExtension):
    """Parses each distinct document once.

    Unlike Strawberry's ParserCache, a syntax error is left for Strawberry's own parse step,
    which turns it into a normal error result that the other extensions see.
    """

    def __init__(self, maxsize: int = 1024):
        self.parse = _get_parse_cache(maxsize)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            with contextlib.suppress(GraphQLError):
                context.graphql_document = self.parse(context.query, **context.parse_options)
        yield


class CostLimiter(SchemaExtension):
    """Rejects an operation whose cost exceeds the limit, or that asks for a page size
    outside 1..max_page_size.

    Cost: 2 per object field, 1 per scalar field, and a field's selection counts `first`
    (or `last`) times. It runs at execution start rather than as a validation rule because
    page sizes often arrive as variables, and validation results are cached per document.
    """

    def __init__(self, *, max_cost: int, max_page_size: int):
        self.max_cost = max_cost
        self.max_page_size = max_page_size

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            # A refusal is raised, not set as the result: a subscription would start
            # regardless of a result set here.
            cost = DocumentCost(
                context.schema._schema,
                document.definitions,
                context.variables or {},
                self.max_page_size,
            ).of_operation(context.operation_name)
            if cost > self.max_cost:
                raise GraphQLError(
                    f"Query cost {cost} exceeds the maximum of {self.max_cost}.",
                    extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost},
                )
        yield


class DocumentCost:
    def __init__(
        self,
        schema: GraphQLSchema,
        definitions: Any,
        variables: dict[str, Any],
        max_page_size: int,
    ):
        self.schema = schema
        self.variables = variables
        self.max_page_size = max_page_size
        self.fragments = {
            d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
        # Each fragment is costed once: fragments that spread one another several times
        # over name exponentially many paths in a few hundred characters.
        self.fragment_costs: dict[str, int] = {}

    def of_operation(self, name: str | None) -> int:
        operation = next(
            (op for op in self.operations if name is None or (op.name and op.name.value == name)),
            None,
        )
        if operation is None:
            return 0
        root = self.schema.get_root_type(operation.operation)
        return self.of_selection(operation.selection_set, root, frozenset()) if root else 0

    def of_selection(
        self, selection_set: SelectionSetNode, parent: Any, visiting: frozenset[str]
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.of_field(selection, parent, visiting)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.of_selection(selection.selection_set, target, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.of_fragment(selection.name.value, visiting)
        return total

    def of_fragment(self, name: str, visiting: frozenset[str]) -> int:
        known = self.fragment_costs.get(name)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or name in visiting:
            return 0  # unknown or cyclic: validation has refused the document already
        target = self.schema.get_type(fragment.type_condition.name.value)
        cost = self.of_selection(fragment.selection_set, target, visiting | {name})
        self.fragment_costs[name] = cost
        return cost

    def of_field(self, node: FieldNode, parent: Any, visiting: frozenset[str]) -> int:
        field = self.field_definition(parent, node.name.value)
        if field is None:
            return 1
        named = get_named_type(field.type)
        if not is_composite_type(named) or node.selection_set is None:
            return 1
        multiplier = self.page_size(node)
        return 2 + multiplier * self.of_selection(node.selection_set, named, visiting)

    def field_definition(self, parent: Any, name: str) -> Any:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return parent.fields.get(name)
        return None

    def page_size(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value_node = argument.value
            value: Any
            if isinstance(value_node, VariableNode):
                value = self.variables.get(value_node.name.value)
            elif isinstance(value_node, IntValueNode):
                value = int(value_node.value)
            else:
                value = None
            if value is None:
                continue
            if not isinstance(value, int) or not 1 <= value <= self.max_page_size:
                raise GraphQLError(
                    f"`{argument.name.value}` must be between 1 and {self.max_page_size}.",
                    nodes=[argument],
                    extensions={"code": "INVALID_PAGE_SIZE"},
                )
            return value
        return 1
