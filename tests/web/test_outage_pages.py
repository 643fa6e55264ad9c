"""The web process when the API is down or restarting: a kind 503 page with Retry-After."""

from __future__ import annotations

import socket

import httpx
from asgi_lifespan import LifespanManager

from coderunner.config import Settings
from coderunner.web.app import create_web_app


def _dead_url() -> str:
    with socket.socket() as sock:  # free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_pages_and_proxy_answer_503_kindly_when_the_api_is_unreachable() -> None:
    app = create_web_app(Settings(api_url=_dead_url()))
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
