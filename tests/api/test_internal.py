"""Internal endpoints stay internal: /metrics needs the token or a trusted address; the API's
docs can be switched off (and are off by default in production)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from coderunner.api.app import create_app
from tests.support.app import METRICS_HEADERS, make_settings


async def _client(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 5555))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def loopback(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(app, "127.0.0.1") as c:
        yield c


async def test_metrics_need_the_token_or_a_trusted_address(
    client: httpx.AsyncClient, loopback: httpx.AsyncClient
) -> None:
    anonymous = await client.get("/metrics")
    assert anonymous.status_code == 404
    assert anonymous.json()["error"]["code"] == "NOT_FOUND"
    assert "# HELP" not in anonymous.text
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    allowed = await client.get("/metrics", headers=METRICS_HEADERS)
    assert allowed.status_code == 200
    assert "# HELP" in allowed.text
    local = await loopback.get("/metrics")
    assert local.status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"trusted_proxies": ["127.0.0.1"]}])
async def test_metrics_see_the_forwarded_client(loopback: httpx.AsyncClient) -> None:
    """The web server (on loopback) forwards the browser's address: that one decides."""
    proxied = await loopback.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 404
    assert (await loopback.get("/metrics")).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "served"),
    [
        ({"env": "production"}, False),
        ({"api_docs": False}, False),
        ({"env": "production", "api_docs": True}, True),
        ({}, True),
    ],
)
async def test_docs_can_be_switched_off(
    database_url: str, tmp_path: Path, overrides: dict[str, Any], served: bool
) -> None:
    settings = make_settings(database_url, tmp_path / "data", **overrides)
    app = create_app(settings)
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=60),
        await _client(app, "10.1.2.3") as client,
    ):
        for path in ("/docs", "/redoc", "/openapi.json"):
            response = await client.get(path)
            assert response.status_code == (200 if served else 404), (path, overrides)
