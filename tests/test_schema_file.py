"""schema.graphql is the committed, exported SDL of the code."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    specified_scalar_types,
)

from graph.schema import build_schema, schema_sdl
from tests.conftest import make_settings

SPECIFIED_SCALARS = set(specified_scalar_types)


def test_schema_file_is_current(project_root: Path) -> None:
    committed = (project_root / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema_sdl(), (
        "schema.graphql is stale: run `studygraph export-schema --output schema.graphql`"
    )


def test_every_type_and_field_is_described() -> None:
    """Clients read the schema as its documentation (GraphiQL, codegen): nothing in it is
    left unexplained."""
    built = build_schema(make_settings())._schema
    missing: list[str] = []
    for name, kind in built.type_map.items():
        if name.startswith("__") or name in SPECIFIED_SCALARS:
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            missing += [
                f"{name}.{field}" for field, of in kind.fields.items() if not of.description
            ]
    assert missing == []
