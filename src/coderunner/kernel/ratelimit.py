"""Rate limits with the `limits` library (memory:// embedded, Redis when REDIS_URL is set), and
the client's address behind trusted proxies.

The HTTP shell applies the default limit to every request (`coderunner.api.ratelimit`); domains
count their own events (sign-ins, join codes) on the same `RateLimiter.storage`.
"""

from __future__ import annotations

import bisect
import ipaddress
import math
import time
from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.storage.memory import Entry
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool
from starlette.types import Scope

from coderunner.config import Settings

log = structlog.get_logger("coderunner.ratelimit")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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


def storage_error(exc: Exception) -> None:
    log.warning("ratelimit_storage_error", error=f"{type(exc).__name__}: {str(exc)[:200]}")


class LoopMemoryStorage(MemoryStorage):
    """`limits`' in-memory storage, expiring on the event loop itself.

    The library's own schedules a task on every hit that walks every key and bisects each
    one's entries in a thread (`asyncio.to_thread`): a task and a thread hop per key per
    request. Here a key's stale entries are cut when the key is hit (the same bisect, inline:
    nothing between reading and writing awaits, so no lock is needed either), and keys nobody
    hits any more are dropped by a sweep of all keys at most once per `SWEEP_S`. Counts, reads
    and windows are the library's (the same lists, counters and inherited readers).
    """

    SWEEP_S = 10.0

    def __init__(self) -> None:
        super().__init__()
        self._swept = time.time()

    @staticmethod
    def _live(entries: list[Entry], now: float) -> list[Entry]:
        """`entries` (newest first) without those expired at `now`."""
        cutoff = bisect.bisect_left(entries, -now, key=lambda entry: -entry.expiry)
        return entries if cutoff == len(entries) else entries[:cutoff]

    def _sweep(self, now: float) -> None:
        if now - self._swept < self.SWEEP_S:
            return
        self._swept = now
        for key, entries in list(self.events.items()):
            live = self._live(entries, now)
            if live:
                self.events[key] = live
            else:
                del self.events[key]
        for key, expires in list(self.expirations.items()):
            if expires <= now:
                self.storage.pop(key, None)
                del self.expirations[key]

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        self._sweep(now)
        if self.expirations.get(key, 0) <= now:
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
        self.storage[key] += amount
        if self.storage[key] == amount:
            self.expirations[key] = now + expiry
        return self.storage[key]

    async def decr(self, key: str, amount: int = 1) -> int:
        now = time.time()
        self._sweep(now)
        if self.expirations.get(key, 0) <= now:
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
        self.storage[key] = max(self.storage[key] - amount, 0)
        return self.storage[key]

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        self._sweep(now)
        entries = self._live(self.events.get(key, []), now)
        self.events[key] = entries
        if len(entries) > limit - amount and entries[limit - amount].atime >= now - expiry:
            return False
        entries[:0] = [Entry(expiry)] * amount
        return True


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

    async def _retry_after(self, item: RateLimitItem, *ids: str) -> int:
        stats = await self.strategy.get_window_stats(item, *ids)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def hit(self, item: RateLimitItem, *ids: str) -> int | None:
        """Count one request; None when allowed, else seconds until retry."""
        try:
            if await self.strategy.hit(item, *ids):
                return None
            return await self._retry_after(item, *ids)
        # storage down (whatever its client raises): fail open, one line per request
        except Exception as exc:  # noqa: BLE001
            storage_error(exc)
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
        storage = LoopMemoryStorage()
    return RateLimiter(storage, settings)
