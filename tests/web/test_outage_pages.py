"""The web process when the API is down or restarting: a kind 503 page with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from coderunner.config import Settings
from coderunner.web.app import create_web_app
from tests.support.ports import dead_port


@pytest.fixture
def dead_api_url() -> Iterator[str]:
    with dead_port() as port:  # held, never listening: a connection is refused at once
        yield f"http://127.0.0.1:{port}"


async def test_pages_and_proxy_answer_503_kindly_when_the_api_is_unreachable(
    dead_api_url: str,
) -> None:
    app = create_web_app(Settings(api_url=dead_api_url))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
            page = await client.get("/levels/7-9")
            assert page.status_code == 503, page.text
            assert int(page.headers["retry-after"]) >= 1
            assert "short break" in page.text
            assert "Traceback" not in page.text
            proxied = await client.get("/api/levels")
            assert proxied.status_code == 503
            assert int(proxied.headers["retry-after"]) >= 1
            assert proxied.json()["error"]["code"] == "API_UNREACHABLE"
