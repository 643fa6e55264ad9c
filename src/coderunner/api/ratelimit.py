"""Rate limits with the `limits` library: memory:// embedded, Redis when REDIS_URL is set.

The default limit (RATE_LIMIT_MAX_REQUESTS per RATE_LIMIT_WINDOW_MS) is applied by
`RateLimitMiddleware`: per user for requests with a valid bearer token, per client address for
the others, so a class behind one school address does not share one budget. The web server's own
calls for one page carry `X-Coderunner-Page` (trusted only from CODERUNNER_TRUSTED_PROXIES): a
page counts once, however many calls it makes. Failed sign-ins have their own rules
(`coderunner.auth.throttle`).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool
from starlette.types import ASGIApp, Receive, Scope, Send

from coderunner.api.errors import error_response
from coderunner.auth.throttle import LoginThrottle
from coderunner.auth.tokens import InvalidToken, decode_token
from coderunner.config import Settings

log = structlog.get_logger("coderunner.ratelimit")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
EXEMPT_PREFIXES = ("/health",)
PAGE_HEADER = b"x-coderunner-page"


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def is_trusted(address: str, networks: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(scope: Scope, trusted: Sequence[IPNetwork]) -> str:
    """The client's IP: the peer, or X-Forwarded-For only when the peer is a trusted proxy."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not trusted or not is_trusted(peer, trusted):
        return str(peer)
    forwarded: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            forwarded.extend(p.strip() for p in value.decode("latin-1").split(","))
    hops = [h for h in forwarded if h]
    # walk from the nearest hop back; the first address we don't trust is the client
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return str(peer)
    return hops[0] if hops else str(peer)


def _storage_error(exc: Exception) -> None:
    log.warning("ratelimit_storage_error", error=f"{type(exc).__name__}: {str(exc)[:200]}")


class RateLimiter:
    """The app's limits over one storage (memory or Redis)."""

    def __init__(self, storage: Storage, settings: Settings) -> None:
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        window = settings.rate_limit_window_s
        self.default: RateLimitItem | None = (
            RateLimitItemPerSecond(settings.rate_limit_max_requests, window)
            if settings.rate_limit_max_requests > 0
            else None
        )
        self.logins = LoginThrottle(storage, settings)

    async def _retry_after(self, item: RateLimitItem, *ids: str) -> int:
        stats = await self.strategy.get_window_stats(item, *ids)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, item: RateLimitItem, *ids: str) -> int | None:
        """Count one request; None when allowed, else seconds until retry."""
        try:
            if await self.strategy.hit(item, *ids):
                return None
            return await self._retry_after(item, *ids)
        except Exception as exc:  # storage down: fail open, one line per request (no traceback)
            _storage_error(exc)
            return None

    async def check_health(self) -> bool:
        return bool(await self.storage.check())


def build_limiter(settings: Settings, pool: ConnectionPool | None = None) -> RateLimiter:
    """Memory storage, or Redis (over `pool`, the app's pool, closed by the app) with REDIS_URL."""
    storage: Storage
    if settings.redis_url:
        options: dict[str, Any] = {"connection_pool": pool} if pool is not None else {}
        storage = RedisStorage(
            "async+" + settings.redis_url,
            implementation="redispy",
            key_prefix=f"{settings.redis_prefix}:ratelimit",
            **options,
        )
    else:
        storage = MemoryStorage()
    return RateLimiter(storage, settings)


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
    try:
        return decode_token(token.strip(), secret).user_id
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
        except Exception as exc:
            _storage_error(exc)
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
