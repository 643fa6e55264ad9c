"""A page the API refuses (429) keeps the learner's session, theme and menu, and says kindly
when to try again. The web app runs in-process against a stand-in API (httpx.MockTransport):
the point here is the web's handling of the answer, not the API's limits (tests/api covers those).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from coderunner.web import create_web_app
from coderunner.web.session import LOOK_COOKIE, SESSION_COOKIE

# GET /auth/me as the API answers it (UserOut: the web reads it through that schema)
USER = {
    "id": "u1",
    "username": "zara",
    "displayName": "Zara",
    "role": "learner",
    "ageGroup": "7-9",
    "character": "nila",
    "leaderboardOptOut": True,
    "createdAt": "2026-12-01T09:00:00Z",
}


class StandInApi:
    def __init__(self) -> None:
        self.refuse = False
        self.page_ids: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.page_ids.add(request.headers.get("x-coderunner-page", ""))
        if self.refuse:
            message = "Lots of clicks! Take a short break and try again in 17 seconds."
            return httpx.Response(
                429,
                json={"error": {"code": "RATE_LIMITED", "message": message}},
                headers={"Retry-After": "17"},
            )
        if request.url.path == "/auth/me":
            return httpx.Response(200, json=USER)
        return httpx.Response(200, json={})


@pytest.fixture
async def web() -> AsyncIterator[tuple[httpx.AsyncClient, StandInApi]]:
    api = StandInApi()
    app: Starlette = create_web_app(None)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        app.state.http = httpx.AsyncClient(
            transport=httpx.MockTransport(api), base_url="http://api"
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            c.cookies.set(SESSION_COOKIE, "a-token")
            yield c, api


async def test_a_refused_page_keeps_session_theme_and_says_when(
    web: tuple[httpx.AsyncClient, StandInApi],
) -> None:
    client, api = web
    ok = await client.get("/profile")
    assert ok.status_code == 200, ok.text[:500]
    assert 'class="theme-nila' in ok.text
    assert client.cookies.get(LOOK_COOKIE)
    api.refuse = True
    refused = await client.get("/profile")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "17"
    assert 'class="theme-nila' in refused.text  # the child's own look, not the default
    assert "Log out" in refused.text  # still signed in, the menu as before
    assert "Log in" not in refused.text
    assert "Try again in 17 seconds" in refused.text
    assert "Code: RATE_LIMITED" not in refused.text  # no raw code under the friendly words
    assert "set-cookie" not in refused.headers or SESSION_COOKIE not in refused.headers.get(
        "set-cookie", ""
    )
    assert client.cookies.get(SESSION_COOKIE) == "a-token"


async def test_one_page_sends_one_page_id(web: tuple[httpx.AsyncClient, StandInApi]) -> None:
    client, api = web
    await client.get("/profile")
    first = set(api.page_ids)
    assert len(first) == 1
    assert "" not in first
    await client.get("/profile")
    assert len(api.page_ids) == 2  # a new page, a new id
