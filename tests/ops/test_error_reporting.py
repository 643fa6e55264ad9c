"""Error reports reach a Sentry-compatible endpoint and carry nothing of a child.

A fake endpoint (a tiny HTTP server on a free port) captures the envelopes the SDK sends. A
route raises with a child's username, code, stdin and stdout in its request body, its locals,
its exception message and an error log line; the reports must arrive, and none of those values
(nor the token or password) may appear in any byte sent.
"""

from __future__ import annotations

import gzip
import logging
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
import sentry_sdk
import structlog
from asgi_lifespan import LifespanManager
from fastapi import Request

from coderunner.api.app import create_app
from coderunner.logs import configure_logging
from coderunner.observability import scrub, setup_error_reporting, stop_error_reporting
from tests.support.app import make_settings, register

USERNAME = "maya-w-2015"
CODE = "print('my secret treasure map 7731')"
STDIN = "grandma-lives-at-12-oak-lane"
STDOUT = "hello from stdout 5521"


class _Capture(BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]]

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        encoding = self.headers.get("content-encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        type(self).bodies.append(body)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def production_logging() -> Iterator[None]:
    """The processes' logging set-up (structlog through the stdlib), restored afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging("api", "info")
    try:
        yield
    finally:
        structlog.reset_defaults()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


@pytest.fixture
def sentry_endpoint() -> Iterator[tuple[str, list[bytes]]]:
    class Capture(_Capture):
        bodies: ClassVar[list[bytes]] = []  # this fixture's own list

    handler = Capture
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield f"http://0123456789abcdef0123456789abcdef@127.0.0.1:{port}/42", handler.bodies
    finally:
        stop_error_reporting()
        server.shutdown()
        server.server_close()


def test_off_without_a_dsn(sqlite_url: str, tmp_path: Path) -> None:
    settings = make_settings(sqlite_url, tmp_path / "data")
    assert settings.sentry_dsn is None
    assert setup_error_reporting(settings, "api") is False
    assert not sentry_sdk.get_client().is_active()


def test_dsn_from_either_variable(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTRY_DSN", "http://k@127.0.0.1:9/1")
    settings = make_settings(sqlite_url, tmp_path / "data")
    assert settings.sentry_dsn is not None
    assert settings.sentry_dsn.get_secret_value() == "http://k@127.0.0.1:9/1"


async def test_reports_arrive_without_any_child_data(
    sqlite_url: str,
    tmp_path: Path,
    sentry_endpoint: tuple[str, list[bytes]],
    production_logging: None,
) -> None:
    dsn, bodies = sentry_endpoint
    settings = make_settings(sqlite_url, tmp_path / "data", sentry_dsn=dsn)
    app = create_app(settings)

    async def explode(request: Request) -> None:
        body = await request.json()
        code, stdin, stdout = body["code"], body["stdin"], body["stdout"]
        structlog.get_logger("coderunner.test").error(
            "run_failed", username=USERNAME, code=code, stdin=stdin
        )
        raise RuntimeError(f"could not grade {code!r} for {USERNAME} with {stdin}: {stdout}")

    app.add_api_route("/boom", explode, methods=["POST"])
    async with LifespanManager(app, startup_timeout=60):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            kid = await register(c, USERNAME)
            response = await c.post(
                "/boom?who=" + USERNAME,
                json={"code": CODE, "stdin": STDIN, "stdout": STDOUT},
                headers={**kid.headers, "Cookie": f"cr_session={kid.token}"},
            )
            assert response.status_code == 500
            assert USERNAME not in response.text
    sentry_sdk.flush(timeout=10)
    deadline = time.monotonic() + 20
    while len(bodies) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    sent = b"\n".join(bodies)
    # both the unhandled exception and the error log line were reported
    assert b"RuntimeError" in sent, sent[:2000]
    assert b"run_failed" in sent, sent[:2000]
    assert b"/boom" in sent  # the route, so the report is still useful
    for secret in (USERNAME, CODE, "treasure map", STDIN, STDOUT, kid.token, "correct-horse"):
        assert secret.encode() not in sent, f"{secret!r} was sent to the error tracker"


def test_scrub_keeps_only_the_allow_list() -> None:
    event = {
        "event_id": "e1",
        "level": "error",
        "user": {"username": USERNAME, "ip_address": "10.0.0.7"},
        "request": {
            "method": "POST",
            "url": f"http://x/users/{USERNAME}",
            "query_string": f"who={USERNAME}",
            "data": {"code": CODE},
            "headers": {"Authorization": "Bearer abc", "Cookie": "s=1"},
            "cookies": {"s": "1"},
            "env": {"REMOTE_ADDR": "10.0.0.7"},
        },
        "extra": {"stdin": STDIN},
        "breadcrumbs": {"values": [{"message": STDOUT, "data": {"code": CODE}}]},
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "value": f"Key (username)=({USERNAME}) already exists",
                    "stacktrace": {
                        "frames": [{"function": "f", "lineno": 3, "vars": {"code": CODE}}]
                    },
                }
            ]
        },
        "logentry": {"message": f'{{"event": "x", "username": "{USERNAME}"}}', "params": [STDIN]},
        "contexts": {"runtime": {"name": "CPython"}, "response": {"body": STDOUT}},
        "tags": {"service": "api", "who": USERNAME},
    }
    clean = scrub(event)
    text = repr(clean)
    for secret in (USERNAME, CODE, STDIN, STDOUT, "Bearer", "10.0.0.7"):
        assert secret not in text
    value = clean["exception"]["values"][0]
    assert value["type"] == "IntegrityError"
    assert value["stacktrace"]["frames"] == [{"function": "f", "lineno": 3}]
    assert clean["logentry"] == {"message": "x"}
    assert clean["request"] == {"method": "POST"}
    assert clean["tags"] == {"service": "api"}
