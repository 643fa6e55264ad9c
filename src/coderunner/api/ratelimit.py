"""The default rate limit on every request (RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW_MS).

Per user for requests with a valid bearer token, per client address for the others, so a class
behind one school address does not share one budget. The web server's own calls for one page
carry `X-Coderunner-Page` (trusted only from CODERUNNER_TRUSTED_PROXIES): a page counts once,
however many calls it makes. Failed sign-ins have their own rules (`coderunner.auth.throttle`).
The limiter itself is the kernel's (`coderunner.kernel.ratelimit`).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from coderunner.auth.tokens import InvalidToken, decoded_once
from coderunner.config import Settings
from coderunner.kernel.errors import error_response
from coderunner.kernel.ratelimit import (
    RateLimiter,
    client_ip,
    is_trusted,
    parse_networks,
    storage_error,
)

EXEMPT_PREFIXES = ("/health",)
PAGE_HEADER = b"x-coderunner-page"


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _user_id(scope: Scope, secret: str | None) -> str | None:
    """The user a valid bearer token names (signature and expiry only: revocation is checked
    by the route; a revoked token still gets its own bucket, never a fresh one)."""
    authorization = _header(scope, b"authorization")
    if not authorization or secret is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:  # kept for the auth dependency: one decode per request
        return decoded_once(scope.setdefault("state", {}), token.strip(), secret).user_id
    except InvalidToken:
        return None


class RateLimitMiddleware:
    """The default limit on every HTTP request but health checks (per user, else per address),
    a web page's calls counted once; 429 JSON with Retry-After."""

    def __init__(self, app: ASGIApp, trusted_proxies: Sequence[str] = ()) -> None:
        self.app = app
        self.trusted = parse_networks(trusted_proxies)

    async def _first_of_page(self, scope: Scope, limiter: RateLimiter, window_s: int) -> bool:
        client = scope.get("client")
        page = _header(scope, PAGE_HEADER)
        if page is None or not client or not is_trusted(client[0], self.trusted):
            return True
        try:
            seen = await limiter.storage.incr(f"page:{page[:64]}", window_s)
        except Exception as exc:  # noqa: BLE001 - storage down: fail open
            storage_error(exc)
            return True
        return seen <= 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ip = client_ip(scope, self.trusted)
        state = scope.setdefault("state", {})
        state["client_ip"] = ip
        app_state = scope["app"].state
        limiter: RateLimiter | None = getattr(app_state, "limiter", None)
        path: str = scope.get("path", "")
        if (
            limiter is not None
            and limiter.default is not None
            and not path.startswith(EXEMPT_PREFIXES)
        ):
            settings: Settings = app_state.settings
            if await self._first_of_page(scope, limiter, settings.rate_limit_window_s):
                secret = settings.secret if settings.jwt_secret is not None else None
                user_id = _user_id(scope, secret)
                key = ("user", user_id) if user_id else ("ip", ip)
                retry_after = await limiter.hit(limiter.default, *key)
                if retry_after is not None:
                    response = error_response(
                        429,
                        "RATE_LIMITED",
                        f"Lots of clicks! Take a short break and try again in {retry_after} "
                        "seconds.",
                        headers={"Retry-After": str(retry_after)},
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
