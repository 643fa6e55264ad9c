"""Fast pages on slow networks: hashed static URLs, their caching, and gzip (not for events)."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import pytest
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route
from starlette.types import Message

from coderunner.web.app import create_web_app
from coderunner.web.assets import IMMUTABLE, REVALIDATE, STATIC_DIR, asset_url

from .conftest import Server, sign_up, unique_name

PASSWORD = "a-good-password-1"
UNHASHED = re.compile(r'(?:src|href)="/static/[^"?]*"')


def _hash(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def test_asset_url_carries_the_content_hash_in_the_form_nginx_caches() -> None:
    url = asset_url("build/editor.js")
    assert url == f"/static/build/editor.js?v={_hash('build/editor.js')}"
    # deploy/nginx/coderunner.conf matches "$uri$arg_v" against \.[a-z0-9]+[0-9a-f]{8,}$
    path, _, digest = url.partition("?v=")
    assert re.search(r"\.[a-z0-9]+[0-9a-f]{8,}$", path + digest)
    assert asset_url("no/such/file.js") == "/static/no/such/file.js"


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/levels/7-9"])
def test_pages_link_static_files_by_hash_only(web: httpx.Client, path: str) -> None:
    html = web.get(path).text
    assert f"/static/css/site.css?v={_hash('css/site.css')}" in html
    assert f"/static/js/site.js?v={_hash('js/site.js')}" in html
    assert UNHASHED.findall(html) == []


def test_the_problem_page_links_the_editor_bundle_by_hash(web: httpx.Client) -> None:
    sign_up(web, unique_name("fast"), PASSWORD)
    html = web.get("/levels/7-9/1").text
    assert f'data-bundle="/static/build/editor.js?v={_hash("build/editor.js")}"' in html
    assert f"/static/js/problem.js?v={_hash('js/problem.js')}" in html
    assert UNHASHED.findall(html) == []
    # usable before the bundle: the code is in the page, the buttons wait for the editor
    assert 'id="editor-placeholder"' in html
    assert re.search(r'id="run-button"[^>]*\sdisabled', html)
    assert re.search(r'id="submit-button"[^>]*\sdisabled', html)
    assert "Editor loading…" in html


def test_a_hashed_request_is_cached_for_a_year(web: httpx.Client) -> None:
    response = web.get(asset_url("build/editor.js"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.content == (STATIC_DIR / "build/editor.js").read_bytes()


@pytest.mark.parametrize("query", ["", "?v=0123456789ab", "?v="])
def test_other_static_requests_are_revalidated(web: httpx.Client, query: str) -> None:
    response = web.get(f"/static/js/site.js{query}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == REVALIDATE
    etag = response.headers["etag"]
    assert response.headers["last-modified"]
    again = web.get(f"/static/js/site.js{query}", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.headers["cache-control"] == REVALIDATE


@pytest.mark.parametrize("path", ["build/editor.js", "css/site.css", "js/problem.js"])
def test_static_text_is_gzipped(server_url: str, path: str) -> None:
    raw = (STATIC_DIR / path).read_bytes()
    with (
        httpx.Client(base_url=server_url) as client,
        client.stream("GET", asset_url(path), headers={"accept-encoding": "gzip"}) as response,
    ):
        assert response.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in response.headers["vary"].lower()
        wire = b"".join(response.iter_raw())
    assert len(wire) < len(raw) * 0.6
    assert gzip.decompress(wire) == raw


def test_pages_and_api_answers_are_gzipped(web: httpx.Client) -> None:
    page = web.get("/", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    assert "<html" in page.text
    sign_up(web, unique_name("fast"), PASSWORD)
    progress = web.get("/api/progress", headers={"accept-encoding": "gzip"})
    assert progress.status_code == 200
    if len(progress.content) >= 500:
        assert progress.headers["content-encoding"] == "gzip"
    assert "problems" in progress.json()


@pytest.fixture
def server_url(server: Server) -> str:
    return server.web_url


def test_event_streams_pass_through_uncompressed_and_unbuffered() -> None:
    """The real middleware stack: each event leaves before the next one is produced."""
    # its own thread and event loop: the session's Playwright owns this thread's loop
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, _stream_events_through_the_web_app).result(timeout=120)


async def _stream_events_through_the_web_app() -> None:
    app = create_web_app(None)
    first_seen = anyio.Event()

    async def events() -> AsyncIterator[bytes]:
        yield b"event: status\ndata: " + b"x" * 2000 + b"\n\n"
        await first_seen.wait()  # a buffering middleware never lets this finish
        yield b"event: done\ndata: {}\n\n"

    async def endpoint(request: Request) -> StreamingResponse:
        return StreamingResponse(events(), media_type="text/event-stream")

    app.router.routes.insert(0, Route("/events-test", endpoint))
    sent: list[Message] = []

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and b"event: status" in message["body"]:
            first_seen.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/events-test",
        "raw_path": b"/events-test",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    with anyio.fail_after(30):
        await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    names = {k.lower() for k, _ in start["headers"]}
    assert b"content-encoding" not in names
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert body.endswith(b"event: done\ndata: {}\n\n")
