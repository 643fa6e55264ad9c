"""Per-queue job rate limits (jobs/s; 0 = none) with `limits`: workers wait for a slot.

Memory storage embedded (one process; the kernel's, expired on the event loop), Redis when
REDIS_URL is set (shared by all workers).
"""

from __future__ import annotations

import asyncio
import time

import structlog
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from coderunner.kernel.ratelimit import LoopMemoryStorage

log = structlog.get_logger("coderunner.execution.throttle")


def rate_item(rate: float) -> RateLimitItem | None:
    """`rate` jobs per second as an item `limits` understands (integer amounts and windows)."""
    if rate <= 0:
        return None
    if rate >= 1:
        return RateLimitItemPerSecond(max(1, round(rate)), 1)
    return RateLimitItemPerSecond(1, max(1, round(1 / rate)))


class QueueThrottle:
    def __init__(self, rates: dict[str, float], redis_url: str | None, prefix: str) -> None:
        storage: Storage
        if redis_url:
            storage = RedisStorage(
                "async+" + redis_url, implementation="redispy", key_prefix=f"{prefix}:jobrate"
            )
        else:
            storage = LoopMemoryStorage()
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self.items = {queue: rate_item(rate) for queue, rate in rates.items()}

    async def acquire(self, queue: str) -> float:
        """Wait until the queue's limit allows one more job; return the seconds waited."""
        item = self.items.get(queue)
        if item is None:
            return 0.0
        started = time.monotonic()
        while True:
            try:
                if await self.strategy.hit(item, "queue", queue):
                    return time.monotonic() - started
                stats = await self.strategy.get_window_stats(item, "queue", queue)
                pause = stats.reset_time - time.time()
            except Exception as exc:  # noqa: BLE001 - storage down: don't stop the queue, say so
                log.warning("job_rate_limit_storage_error", queue=queue, error=type(exc).__name__)
                return time.monotonic() - started
            await asyncio.sleep(min(1.0, max(0.005, pause)))
