"""What a query selects below a field, for resolvers that load ahead of their children."""

from __future__ import annotations

from collections.abc import Iterable

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
