"""The web proxy refuses every path that is not canonical, before its allow/deny check.

Requests go over a raw socket (`http.client`) to the real web server: an HTTP client library
would tidy `/./` or `%2e` away before sending, which is exactly what an attacker's won't do.
"""

from __future__ import annotations

import http.client
import json
import re
from urllib.parse import urlsplit

import httpx
import pytest

from coderunner.web.proxy import canonical_path

from .conftest import Server, sign_up, unique_name

PASSWORD = "correct horse battery"

# every spelling of a blocked or internal endpoint: each must answer 404 from the proxy
BYPASSES = [
    "/api/%2e/auth/login",
    "/api/%2E/auth/register",
    "/api/./auth/login",
    "/api/auth/./login",
    "/api/x/../auth/login",
    "/api/x/%2e%2e/auth/login",
    "/api//auth/login",
    "/api/auth//login",
    "/api/auth%2flogin",
    "/api/auth%2Flogout",
    "/api/auth%5clogin",
    "/api/auth\\login",
    "/api/%61uth/login",
    "/api/auth/log%69n",
    "/api/auth/login/",
    "/api/auth/login%00",
    "/api/auth/login%2500",
    "/api/%252e/auth/login",
    "/api/auth/login;x",
    "/api/metrics",
    "/api/%6detrics",
    "/api/./metrics",
    "/api/docs",
    "/api/openapi.json",
    "/api/redoc",
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/api/progress", "progress"),
        ("/api/problems/reverse-word", "problems/reverse-word"),
        ("/api/execution/abc-123/events", "execution/abc-123/events"),
        ("/api/%2e/auth/login", None),
        ("/api/./auth/login", None),
        ("/api/a/../auth/login", None),
        ("/api//auth/login", None),
        ("/api/auth%2flogin", None),
        ("/api/auth%5clogin", None),
        ("/api/auth\\login", None),
        ("/api/%252e/auth", None),
        ("/api/a%00b", None),
        ("/api/a%0ab", None),
        ("/api/a/", None),
        ("/api/", None),
        ("/api/%ff", None),
    ],
)
def test_canonical_path_table(raw: str, expected: str | None) -> None:
    assert canonical_path(raw) == expected


def _raw_request(
    server: Server, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, bytes]:
    url = urlsplit(server.web_url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", BYPASSES)
def test_no_spelling_reaches_blocked_endpoints(
    server: Server, web: httpx.Client, path: str
) -> None:
    username = unique_name()
    sign_up(web, username, PASSWORD)
    page = web.get("/home")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert token
    cookies = "; ".join(f"{k}={v}" for k, v in web.cookies.items())
    headers = {
        "Cookie": cookies,
        "X-CSRF-Token": token.group(1),
        "Content-Type": "application/json",
    }
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    for method in ("POST", "GET"):
        status, answer = _raw_request(
            server, method, path, headers, body if method == "POST" else b""
        )
        assert status in (400, 404), (method, path, status, answer[:200])
        assert b"token" not in answer
        assert b"# HELP" not in answer  # no metrics
        assert b'"openapi"' not in answer
    # the canonical path still works for what is allowed
    status, _ = _raw_request(server, "GET", "/api/auth/me", headers)
    assert status == 200
