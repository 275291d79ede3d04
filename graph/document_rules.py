"""Validation rules that bound a document's shape before anything runs: its length, depth,
aliases and directives.

Depth and aliases are measured through fragment spreads, each fragment once: fragments
that spread one another several times over name exponentially many paths in a few hundred
characters (four spreads twelve deep: 16 million), and a walk along every path would hold
the event loop for minutes. Strawberry's own depth and alias limiters walk every path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

# What a field adds to a measure, given a way to measure its own selection set.
FieldMeasure = Callable[[FieldNode, Callable[[], int]], int]


class _Measure:
    """A number over selection sets, combined across siblings by `combine` (max or sum),
    in which a fragment's number is found once and reused at every spread of it."""

    def __init__(
        self, document: DocumentNode, field: FieldMeasure, combine: Callable[[list[int]], int]
    ):
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.field = field
        self.combine = combine
        self.known: dict[str, int] = {}

    def of(self, selection_set: SelectionSetNode, visiting: frozenset[str]) -> int:
        parts = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                inner = selection.selection_set

                def nested(inner: SelectionSetNode | None = inner) -> int:
                    return 0 if inner is None else self.of(inner, visiting)

                parts.append(self.field(selection, nested))
            elif isinstance(selection, InlineFragmentNode):
                parts.append(self.of(selection.selection_set, visiting))
            elif isinstance(selection, FragmentSpreadNode):
                parts.append(self.of_fragment(selection.name.value, visiting))
        return self.combine(parts) if parts else 0

    def of_fragment(self, name: str, visiting: frozenset[str]) -> int:
        known = self.known.get(name)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or name in visiting:
            return 0  # unknown or cyclic: graphql-core's own rules report it
        value = self.known[name] = self.of(fragment.selection_set, visiting | {name})
        return value


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _depth_of_field(node: FieldNode, nested: Callable[[], int]) -> int:
    # Introspection fields do not count: a client's schema query goes deep by nature.
    if node.selection_set is None or node.name.value.startswith("__"):
        return 0
    return 1 + nested()


def _aliases_of_field(node: FieldNode, nested: Callable[[], int]) -> int:
    return (1 if node.alias else 0) + nested()


def depth_limit_rule(maximum: int) -> type[ValidationRule]:
    """Rejects an operation nesting fields with selections more than `maximum` deep."""

    class MaxDepth(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            depth = _Measure(node, _depth_of_field, max)
            for operation in _operations(node):
                if depth.of(operation.selection_set, frozenset()) > maximum:
                    name = operation.name.value if operation.name else "anonymous"
                    self.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {maximum}", operation
                        )
                    )

    return MaxDepth


def alias_limit_rule(maximum: int) -> type[ValidationRule]:
    """Rejects a document with more than `maximum` aliases, counting a fragment's aliases
    at every spread of it."""

    class MaxAliases(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            aliases = _Measure(node, _aliases_of_field, sum)
            total = sum(aliases.of(op.selection_set, frozenset()) for op in _operations(node))
            if total > maximum:
                self.report_error(GraphQLError(f"{total} aliases found. Allowed: {maximum}"))

    return MaxAliases


def query_length_rule(maximum: int) -> type[ValidationRule]:
    """Rejects a document longer than `maximum` characters whatever carried it. HTTP refuses
    one before parsing (413); a WebSocket subscription meets the same line here, where its
    message size limit alone would let four times as much through."""

    class MaxQueryLength(ValidationRule):
        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            if node.loc is not None and len(node.loc.source.body) > maximum:
                self.report_error(
                    GraphQLError(
                        f"The query exceeds {maximum} characters",
                        extensions={"code": "QUERY_TOO_LARGE"},
                    )
                )

    return MaxQueryLength


def directive_limit_rule(maximum: int) -> type[ValidationRule]:
    """Rejects documents with more than `maximum` directives (a cheap CPU-exhaustion vector)."""

    class MaxDirectives(ValidationRule):
        def __init__(self, context: ValidationContext):
            super().__init__(context)
            self.count = 0

        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            self.count += 1
            if self.count == maximum + 1:
                self.report_error(
                    GraphQLError(f"Too many directives: more than {maximum} are not allowed.")
                )

    return MaxDirectives
