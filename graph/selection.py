"""What a query selects below a field, for resolvers that load ahead of their children."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry.types.nodes import SelectedField, Selection


def selects(selections: Iterable[Selection], *path: str) -> bool:
    """Whether the selection reaches the field path, through fragments too."""
    if not path:
        return True
    head, *rest = path
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == head and selects(selection.selections, *rest):
                return True
        elif selects(selection.selections, *path):
            return True
    return False


def wants(info: strawberry.Info[Any, Any], *path: str) -> bool:
    """Whether the query selects the field path below the current field. Sibling fields of
    a list share their field node: the answer is worked out once per node and operation."""
    memo = info.context.loaders.selection_memo
    node = info._raw_info.field_nodes[0]
    key = (id(node), path)
    found = memo.get(key)
    if found is None or found[0] is not node:  # the node is kept: its id cannot be reused
        found = memo[key] = (node, selects(info.selected_fields[0].selections, *path))
    return found[1]
