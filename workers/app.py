"""Entry module for `dramatiq` worker processes: the broker from settings, then the actors."""

from __future__ import annotations

from core.logging import configure_logging
from core.settings import get_settings
from workers.broker import install_broker

# Actor modules register themselves on the broker installed above when imported.
ACTOR_MODULES: tuple[str, ...] = ()


def setup() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    install_broker(settings)
    import_actors()


def import_actors() -> None:
    import importlib

    for module in ACTOR_MODULES:
        importlib.import_module(module)
