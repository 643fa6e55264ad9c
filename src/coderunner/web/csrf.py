"""CSRF protection by double submit: a random token in a cookie, repeated in the form or header.

Every page gets a token (`request.state.csrf_token`, set by `CsrfMiddleware`, stored in the
`cr_csrf` cookie). Unsafe requests must carry the same value in the `csrf_token` form field or the
`X-CSRF-Token` header; a cross-site page can neither read the cookie nor set the header.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import CookieError, SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "cr_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfError(Exception):
    """The request's CSRF token is missing or wrong."""


def _cookie_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:  # a malformed Cookie header means "no token"
                return None
            morsel = jar.get(CSRF_COOKIE)
            if morsel is not None and len(morsel.value) >= 32:
                return morsel.value
    return None


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def check_header(conn: HTTPConnection) -> None:
    """Raise CsrfError unless the X-CSRF-Token header matches the cookie."""
    if not tokens_match(conn.state.csrf_token, conn.headers.get(CSRF_HEADER)):
        raise CsrfError("missing or wrong CSRF token")


def check_form(conn: HTTPConnection, form_value: object) -> None:
    """Raise CsrfError unless the form's csrf_token field matches the cookie."""
    given = form_value if isinstance(form_value, str) else None
    if not tokens_match(conn.state.csrf_token, given):
        raise CsrfError("missing or wrong CSRF token")


class CsrfMiddleware:
    """Give every request a CSRF token; set the cookie when the browser had none."""

    def __init__(self, app: ASGIApp, *, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _cookie_token(scope)
        fresh = token is None
        if token is None:
            token = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = token
        secure = self.secure or scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                cookie = f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
                if secure:
                    cookie += "; Secure"
                headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)
