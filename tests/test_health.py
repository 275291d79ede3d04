"""/health says the process is alive; /ready says its database (and Redis) answer."""

from __future__ import annotations

from pathlib import Path

import httpx

from core.settings import Settings
from tests.conftest import make_settings, serve_app


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_everything_answers(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    expected = {"database": "ok"} | ({"redis": "ok"} if settings.redis_url else {})
    assert response.json() == {"status": "ok", "checks": expected}


async def test_ready_is_503_when_sqlite_cannot_open(tmp_path: Path) -> None:
    settings = make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'no' / 'db'}")
    async with serve_app(settings) as client:
        response = await client.get("/ready")
        alive = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert alive.status_code == 200


async def test_ready_is_503_when_postgres_is_down() -> None:
    # Nothing listens on port 1: the connection is refused at once.
    settings = make_settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/test")
    async with serve_app(settings) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unavailable"}


async def test_ready_is_503_when_configured_redis_is_down(settings: Settings) -> None:
    down = make_settings(database_url=settings.database_url, redis_url="redis://127.0.0.1:1/0")
    async with serve_app(down) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "unavailable"}
