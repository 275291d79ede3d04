"""schema.graphql is the committed, exported SDL of the code."""

from __future__ import annotations

from pathlib import Path

from graph.schema import schema_sdl


def test_schema_file_is_current(project_root: Path) -> None:
    committed = (project_root / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema_sdl(), (
        "schema.graphql is stale: run `studygraph export-schema --output schema.graphql`"
    )
