"""Stopping the Redis event bus never swallows a cancel aimed at its caller.

The API's boot retries opening the pipeline while Redis is down and stops the half-open one
between tries; shutdown cancels the boot. A cancel that landed while the bus waited for its
reader was suppressed with the reader's own, and the boot went on retrying after shutdown (an
API that took minutes to stop during a Redis outage).
"""

from __future__ import annotations

import asyncio
import socket

from coderunner.execution.events import RedisEventBus


async def test_a_cancel_during_stop_reaches_the_caller() -> None:
    with socket.socket() as held:  # bound, never listening: Redis is "down" here
        held.bind(("127.0.0.1", 0))
        bus = RedisEventBus(f"redis://127.0.0.1:{held.getsockname()[1]}/0", "stop-test")
        await bus.start()
        stopping = asyncio.create_task(bus.stop())
        await asyncio.sleep(0)  # it has cancelled its reader and waits for it to end
        stopping.cancel()
        await asyncio.gather(stopping, return_exceptions=True)
        assert stopping.cancelled()
