"""Alembic, configured from code for both dialects: `studygraph migrate` and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from core.settings import Settings

SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "alembic"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # '%' is ConfigParser interpolation syntax; URLs may contain it (encoded passwords).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings.database_url), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings.database_url), revision)
