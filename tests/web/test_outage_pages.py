"""The web process when the API is down or restarting: a kind 503 page with Retry-After."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

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


@asynccontextmanager
async def _web_before(
    api: Callable[[httpx.Request], httpx.Response], api_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the web process whose API answers are `api`'s."""
    app = create_web_app(Settings(api_url=api_url))
    async with LifespanManager(app):
        app.state.http = httpx.AsyncClient(
            transport=httpx.MockTransport(api), base_url="http://api"
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
            yield client
        await app.state.http.aclose()


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


def _silent_api() -> tuple[socket.socket, str]:
    """An address that takes the connection and never answers (the kernel accepts it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


async def _sign_up(client: httpx.AsyncClient, username: str) -> httpx.Response:
    await client.get("/signup")
    password = "busy-day-password"
    form = {
        "username": username,
        "password": password,
        "password2": password,
        "ageGroup": "10-12",
        "csrf_token": client.cookies.get("cr_csrf", ""),
    }
    return await client.post("/signup", data=form)


async def test_an_api_too_busy_to_answer_in_time_is_said_so_honestly() -> None:
    sock, url = _silent_api()
    app = create_web_app(Settings(api_url=url, web_api_timeout_s=1.0))
    try:
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
                signup = await _sign_up(client, "slowday1")
                assert signup.status_code == 503, signup.text
                assert int(signup.headers["retry-after"]) >= 1
                # the account may have been made: the page says so, and what to do
                assert "try to log in with the username and password you just picked" in (
                    signup.text
                )
                assert "short break" not in signup.text
                page = await client.get("/levels/7-9")
                assert page.status_code == 503
                assert int(page.headers["retry-after"]) >= 1
                assert "didn&#39;t answer in time" in page.text
    finally:
        sock.close()


async def test_a_busy_password_pool_is_passed_on_with_its_words_and_retry_after(
    dead_api_url: str,
) -> None:
    busy = {"code": "BUSY", "message": "Lots of people are logging in right now. Wait."}

    def api(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": busy}, headers={"Retry-After": "3"})

    async with _web_before(api, dead_api_url) as client:
        signup = await _sign_up(client, "busyday1")
        assert signup.status_code == 503, signup.text
        assert signup.headers["retry-after"] == "3"
        assert "Lots of people are logging in right now" in signup.text
        await client.get("/login")
        login = await client.post(
            "/login",
            data={
                "username": "busyday1",
                "password": "busy-day-password",
                "csrf_token": client.cookies.get("cr_csrf", ""),
            },
        )
        assert login.status_code == 503, login.text
        assert login.headers["retry-after"] == "3"
        assert "Lots of people are logging in right now" in login.text


class _CutBody(httpx.AsyncByteStream):
    """A body the API began and never finished: its process died after the header."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"levels": ['
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


class _Api:
    """An API behind nginx whose process dies in the middle of its first `cut` answers (nginx
    has passed the header on); nginx sends each later request to a live process."""

    def __init__(self, cut: int, *, signed_out: bool = False) -> None:
        self.cut = cut
        self.signed_out = signed_out
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(f"{request.method} {request.url.path}")
        if len(self.asked) <= self.cut:
            return httpx.Response(
                200, headers={"content-type": "application/json"}, stream=_CutBody()
            )
        if self.signed_out:
            return httpx.Response(401, json={"error": {"code": "UNAUTHORIZED", "message": "no"}})
        return httpx.Response(200, json={"levels": []})


async def test_a_get_the_api_died_in_the_middle_of_is_asked_once_more(
    dead_api_url: str,
) -> None:
    """nginx passed the header on before the API died, so it cannot send this GET elsewhere;
    the web process asks again once (nginx sends that to a live process): the answer whole,
    never a response cut short (a dropped connection for the browser)."""
    api = _Api(cut=1)
    async with _web_before(api, dead_api_url) as client:
        proxied = await client.get("/api/levels")
        assert proxied.status_code == 200, proxied.text
        assert proxied.json() == {"levels": []}
    assert api.asked == ["GET /levels", "GET /levels"]

    # a page's reads too: the second answer (401 here) is the one the page acts on
    api = _Api(cut=1, signed_out=True)
    async with _web_before(api, dead_api_url) as client:
        client.cookies.set("cr_session", "t" * 40)
        page = await client.get("/levels/7-9")
        assert page.status_code == 303, page.text
    assert len(api.asked) >= 2, api.asked
    assert api.asked[0] == api.asked[1], api.asked
    assert api.asked[0].startswith("GET "), api.asked


async def test_an_answer_cut_twice_or_a_cut_post_is_a_503_with_retry_after(
    dead_api_url: str,
) -> None:
    """Asked again only once; a POST never (it may have run): a 503 that says when."""
    api = _Api(cut=2)
    async with _web_before(api, dead_api_url) as client:
        proxied = await client.get("/api/levels")
        assert proxied.status_code == 503, proxied.text
        assert int(proxied.headers["retry-after"]) >= 1
        assert proxied.json()["error"]["code"] == "API_UNREACHABLE"
    assert api.asked == ["GET /levels", "GET /levels"]

    api = _Api(cut=1)
    async with _web_before(api, dead_api_url) as client:
        csrf = "c" * 43
        client.cookies.set("cr_session", "t" * 40)
        client.cookies.set("cr_csrf", csrf)
        run = await client.post(
            "/api/execution/run", json={"code": "print(1)"}, headers={"X-CSRF-Token": csrf}
        )
        assert run.status_code == 503, run.text
        assert int(run.headers["retry-after"]) >= 1
    assert api.asked == ["POST /execution/run"]
