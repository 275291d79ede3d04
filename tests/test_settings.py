"""Settings come from the environment; production refuses to start with a weak secret."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from core.settings import DEVELOPMENT_JWT_SECRET, Settings


def test_defaults_are_the_embedded_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENV", "DATABASE_URL", "REDIS_URL", "JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.env == "development"
    assert settings.database_url == "sqlite+aiosqlite:///./studygraph.db"
    assert settings.redis_url is None
    assert settings.embedded is True
    assert (settings.max_query_depth, settings.max_aliases, settings.max_tokens) == (10, 15, 1000)
    assert (settings.max_body_bytes, settings.max_query_cost, settings.max_page_size) == (
        100_000,
        5_000,
        100,
    )
    assert settings.introspection_enabled and settings.graphiql_enabled


def test_reads_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("REDIS_URL", "redis://h:6379/0")
    monkeypatch.setenv("MAX_QUERY_DEPTH", "7")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.redis_url == "redis://h:6379/0"
    assert settings.max_query_depth == 7
    assert settings.embedded is False


@pytest.mark.parametrize("secret", [DEVELOPMENT_JWT_SECRET, "short-secret", "x" * 31])
def test_production_refuses_weak_secrets(secret: str) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET must be set"):
        Settings(env="production", jwt_secret=secret)


def test_production_accepts_a_real_secret() -> None:
    settings = Settings(env="production", jwt_secret="k" * 32)
    assert settings.is_production
    assert not settings.introspection_enabled
    assert not settings.graphiql_enabled
    assert not settings.field_suggestions_enabled


def test_asymmetric_algorithms_need_key_pairs() -> None:
    with pytest.raises(ValidationError, match="JWT_PRIVATE_KEY and JWT_PUBLIC_KEY"):
        Settings(env="production", jwt_algorithm="RS256")


def test_unknown_env_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(env="staging")


def test_serve_refuses_to_start_in_production_without_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("JWT_SECRET",)}
    env["ENV"] = "production"
    completed = subprocess.run(
        [sys.executable, "-m", "studygraph", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    assert "invalid configuration" in completed.stderr
    assert "JWT_SECRET must be set" in completed.stderr
