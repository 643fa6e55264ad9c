"""`/api/...` → the API: same-origin JSON calls from the browser, with the session cookie's token.

The browser never sees the token: the proxy adds `Authorization: Bearer` itself. Unsafe methods
need the CSRF header. Server-sent events stream through as they happen; any other answer is read
whole first, so an API process that dies mid-answer is never a response cut short: a GET is asked
once more (nginx sends it to a live process), anything else is a 503 with Retry-After.
Sign-in endpoints are not proxied (they would hand the token to page JavaScript), nor are the
API's internal endpoints (metrics, the OpenAPI document and its pages).

Paths are made canonical before any allow/deny check: the raw path is decoded once, and anything
a client or server could read two ways (`%2e`, `.` or `..` segments, `//`, encoded `/` or backslash,
backslashes, control characters, double encoding) is refused with 404. What is checked is exactly
what is sent upstream, re-encoded.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .api_client import (
    UNREACHABLE_MESSAGE,
    UNREACHABLE_RETRY_AFTER_S,
    asked_again_if_broken,
    forwarded_headers,
)
from .csrf import SAFE_METHODS, CsrfError, check_header
from .session import session_token

MAX_BODY_BYTES = 1024 * 1024
API_PREFIX = "/api/"
# (first segment, second segment or None for any): never reachable through the web server
BLOCKED: tuple[tuple[str, str | None], ...] = (
    ("auth", "login"),
    ("auth", "register"),
    ("auth", "logout"),
    ("metrics", None),
    ("docs", None),
    ("redoc", None),
    ("openapi.json", None),
)
# encoded characters that change how a path splits or which segment it names
_ENCODED_SEPARATORS = re.compile(r"%(2e|2f|5c|25|00)", re.IGNORECASE)
_SEGMENT_CHARS = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@ -]+$")
REQUEST_HEADERS = ("content-type", "accept", "last-event-id", "cache-control", "if-none-match")
RESPONSE_HEADERS = (
    "content-type",
    "retry-after",
    "cache-control",
    "x-request-id",
    "location",
    "etag",
    "vary",
)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def canonical_path(raw_path: str) -> str | None:
    """The API path (no leading slash, percent-encoded) for a raw `/api/...` request path, or
    None when the path is not canonical and must be refused."""
    if not raw_path.startswith(API_PREFIX) or _ENCODED_SEPARATORS.search(raw_path):
        return None
    try:
        decoded = unquote(raw_path[len(API_PREFIX) :], errors="strict")
    except UnicodeDecodeError:
        return None
    segments = decoded.split("/")
    for segment in segments:
        if segment in ("", ".", "..") or not _SEGMENT_CHARS.match(segment):
            return None
    return "/".join(quote(segment, safe="") for segment in segments)


def is_blocked(path: str) -> bool:
    segments = path.split("/")
    first, second = segments[0], segments[1] if len(segments) > 1 else None
    return any(first == a and (b is None or second == b) for a, b in BLOCKED)


async def proxy_endpoint(request: Request) -> Response:
    raw = request.scope.get("raw_path")
    raw_path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    path = canonical_path(raw_path.split("?", 1)[0])
    if path is None or is_blocked(path):
        return _error(404, "NOT_FOUND", "No such API path.")
    if request.method not in SAFE_METHODS:
        try:
            check_header(request)
        except CsrfError:
            return _error(403, "CSRF_FAILED", "Please reload the page and try again.")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _error(413, "PAYLOAD_TOO_LARGE", "That's too much to send at once.")

    headers = forwarded_headers(request)
    for name in REQUEST_HEADERS:
        value = request.headers.get(name)
        if value is not None:
            headers[name] = value
    token = session_token(request)
    if token:
        headers["authorization"] = f"Bearer {token}"

    http: httpx.AsyncClient = request.app.state.http
    upstream = http.build_request(
        request.method,
        "/" + path,
        params=str(request.query_params),
        content=body or None,
        headers=headers,
        # an event stream stays open as long as the job runs; page calls keep the usual limit
        timeout=httpx.Timeout(request.app.state.config.api_timeout_s, read=None),
    )
    try:
        return await asked_again_if_broken(request.method, lambda: _answer(http, upstream))
    except httpx.HTTPError:
        return _unreachable()


async def _answer(http: httpx.AsyncClient, upstream: httpx.Request) -> Response:
    """The API's answer to `upstream`: an event stream as it comes, anything else read whole
    before a byte goes out (raises httpx.HTTPError when it broke off before it was whole)."""
    response = await http.send(upstream, stream=True)
    out_headers = {k: v for k in RESPONSE_HEADERS if (v := response.headers.get(k)) is not None}
    if out_headers.get("content-type", "").startswith("text/event-stream"):
        out_headers["cache-control"] = "no-cache"
        out_headers["x-accel-buffering"] = "no"
        return StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            headers=out_headers,
            background=BackgroundTask(response.aclose),
        )
    try:
        body = await response.aread()
    finally:
        await response.aclose()
    return Response(body, status_code=response.status_code, headers=out_headers)


def _unreachable() -> Response:
    response = _error(503, "API_UNREACHABLE", UNREACHABLE_MESSAGE)
    response.headers["retry-after"] = str(UNREACHABLE_RETRY_AFTER_S)
    return response
