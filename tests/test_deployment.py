"""docker-compose.yml describes the production topology with commands the CLI has."""

from __future__ import annotations

from pathlib import Path

import yaml

from studygraph import parser


def test_compose_topology(project_root: Path) -> None:
    compose = yaml.safe_load((project_root / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "api-1",
        "api-2",
        "worker",
        "scheduler",
    }
    commands = {name: s["command"] for name, s in services.items() if "build" in s}
    assert commands["migrate"] == ["studygraph", "migrate"]
    assert {commands["api-1"][1], commands["api-2"][1]} == {"serve"}
    assert commands["worker"][1] == "worker"
    assert commands["scheduler"][1] == "scheduler"
    for command in commands.values():
        parser().parse_args(command[1:])  # every command is one the CLI accepts
    for name in ("api-1", "api-2", "worker", "scheduler"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["api-1"]["environment"]["ENV"] == "production"
