"""The embedded rate-limit storage: the library's moving window and counters, expired on the
event loop (no task, no thread hop per request)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from coderunner.kernel.ratelimit import LoopMemoryStorage


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_000_000.0]
    monkeypatch.setattr("coderunner.kernel.ratelimit.time.time", lambda: now[0])
    monkeypatch.setattr("limits.aio.storage.memory.time.time", lambda: now[0])
    return now


async def test_a_hit_neither_hops_to_a_thread_nor_starts_a_task(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hops: list[Any] = []
    tasks: list[Any] = []
    real_task = asyncio.create_task

    async def to_thread(func: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return func(*args, **kwargs)

    def create_task(coro: Any, **kwargs: Any) -> Any:
        tasks.append(coro)
        return real_task(coro, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", to_thread)
    monkeypatch.setattr(asyncio, "create_task", create_task)
    storage = LoopMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    item = RateLimitItemPerSecond(50, 60)
    for n in range(20):
        assert await limiter.hit(item, "user", str(n % 4))
        await storage.incr(f"page:{n}", 60)
        await asyncio.sleep(0)  # let any scheduled expiry run
    assert hops == []
    assert tasks == []


async def test_the_moving_window_counts_as_the_library_does(clock: list[float]) -> None:
    storage = LoopMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    item = RateLimitItemPerSecond(3, 10)
    for _ in range(3):
        assert await limiter.hit(item, "user", "kid")
        clock[0] += 1
    assert not await limiter.hit(item, "user", "kid")
    assert await limiter.hit(item, "user", "other")  # a bucket of its own
    stats = await limiter.get_window_stats(item, "user", "kid")
    assert stats.remaining == 0
    assert stats.reset_time == pytest.approx(1_000_000.0 + 10)
    clock[0] = 1_000_000.0 + 10.5  # the first hit left the window, the others did not
    assert await limiter.hit(item, "user", "kid")
    assert not await limiter.hit(item, "user", "kid")
    clock[0] += 10
    assert await limiter.test(item, "user", "kid")
    assert (await limiter.get_window_stats(item, "user", "kid")).remaining == 3


async def test_counters_expire_and_idle_keys_are_swept(clock: list[float]) -> None:
    storage = LoopMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    item = RateLimitItemPerSecond(5, 2)
    assert await storage.incr("page:a", 2) == 1
    assert await storage.incr("page:a", 2) == 2
    assert await storage.decr("page:a") == 1
    assert await limiter.hit(item, "user", "idle")
    clock[0] += 2.5
    assert await storage.get("page:a") == 0
    assert await storage.incr("page:a", 2) == 1  # a fresh window
    clock[0] += storage.SWEEP_S
    assert await limiter.hit(item, "user", "busy")
    assert list(storage.events) == [item.key_for("user", "busy")]
    assert "page:a" not in storage.expirations
    assert "page:a" not in storage.storage
