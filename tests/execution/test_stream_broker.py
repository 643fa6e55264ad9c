"""The Redis stream listener (execution/stream_broker.py) against a redis-server of its own.

A CI run once failed on "Unclosed client session <redis.asyncio.client.Pipeline ...>" when
Redis stopped while upstream's listener reclaimed messages: its pipeline loads a script
before its own `try/finally` and kept the connection. These tests make Redis fail exactly in
the reclaim (the commands it would use answer "unknown command") and check that nothing is
left checked out and nothing is lost.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from taskiq import AckableMessage

from coderunner.execution.stream_broker import StreamBroker
from tests.support.ports import free_port
from tests.support.redis_server import start_redis, stop_redis

STREAM = "cr-test:stream"
GROUP = "cr-test:workers"


@pytest.fixture
def broken_reclaim(tmp_path: Path) -> Iterator[str]:
    """A Redis whose reclaim commands (and the script a lock would load) are unknown."""
    port = free_port()
    process = start_redis(port, tmp_path, without=("SCRIPT", "EVALSHA", "XAUTOCLAIM"))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_redis(port, process)


def _broker(url: str, idle_timeout_ms: int = 60_000) -> StreamBroker:
    return StreamBroker(
        url, queue_name=STREAM, consumer_group_name=GROUP, consumer_id="0", xread_block=100,
        idle_timeout=idle_timeout_ms,
    )  # fmt: skip


async def _next(messages: AsyncIterator[AckableMessage]) -> AckableMessage:
    return await anext(messages)


async def _failure(messages: AsyncIterator[AckableMessage]) -> str:
    try:
        await anext(messages)
    except ResponseError as exc:
        return str(exc)
    return "no error"


async def test_a_failing_reclaim_leaves_no_connection_behind(broken_reclaim: str) -> None:
    broker = _broker(broken_reclaim)
    await broker.startup()
    received = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # twice, as a worker's listener restarts after each failure (upstream's lock keeps
            # the first pipeline it ever saw alive in a class attribute: the second one leaks)
            for job in (b"job-1", b"job-2"):
                async with Redis.from_url(broken_reclaim) as redis:
                    await redis.xadd(STREAM, {b"data": job})
                messages = broker.listen()
                received.append(await _next(messages))
                # the reclaim that follows a round with messages fails; the error (and the
                # traceback holding the listener's frame) is dropped at once, as taskiq does
                assert "unknown command" in await _failure(messages)
                await messages.aclose()
                del messages
            gc.collect()
        leaked = [w for w in caught if issubclass(w.category, ResourceWarning)]
        assert leaked == [], [str(w.message) for w in leaked]
        assert [m.data for m in received] == [b"job-1", b"job-2"]
        # nothing is lost: the messages wait, pending, until acknowledged
        async with Redis.from_url(broken_reclaim) as redis:
            assert (await redis.xpending(STREAM, GROUP))["pending"] == 2
            for message in received:
                await message.ack()  # type: ignore[misc]
            assert (await redis.xpending(STREAM, GROUP))["pending"] == 0
    finally:
        await broker.shutdown()


async def test_a_dead_consumers_message_is_reclaimed(tmp_path: Path) -> None:
    port = free_port()
    process = start_redis(port, tmp_path)
    url = f"redis://127.0.0.1:{port}/0"
    # idle 0: whatever another consumer holds is reclaimed, in id order (no clock involved)
    dead, alive = _broker(url), _broker(url, idle_timeout_ms=0)
    try:
        await dead.startup()
        await alive.startup()
        async with Redis.from_url(url) as redis:
            await redis.xadd(STREAM, {b"data": b"orphan"})
        dead_messages = dead.listen()
        assert (await _next(dead_messages)).data == b"orphan"  # then it dies, never acking
        await dead_messages.aclose()
        async with Redis.from_url(url) as redis:
            await redis.xadd(STREAM, {b"data": b"next"})
        messages = alive.listen()
        seen = [(await _next(messages)).data, (await _next(messages)).data]
        await messages.aclose()
        assert seen == [b"next", b"orphan"]
    finally:
        await dead.shutdown()
        await alive.shutdown()
        stop_redis(port, process)
