"""Entry module for `dramatiq` worker processes: the broker (with its actors) from settings."""

from __future__ import annotations

from core.logging import configure_logging
from core.settings import get_settings
from workers.broker import install_broker


def setup() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    install_broker(settings)
