"""Waiting for a condition, never for a fixed time: on a loaded machine anything can be slow.

The deadlines are generous (a failure costs the wait, a pass costs only the time it takes).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

DEADLINE_S = 60.0


async def wait_until(
    check: Callable[[], Awaitable[bool]],
    what: str,
    within_s: float = DEADLINE_S,
    every_s: float = 0.1,
) -> None:
    """Poll `check` until it holds; fail the test (naming `what`) after `within_s`."""
    deadline = time.monotonic() + within_s
    while not await check():
        assert time.monotonic() < deadline, f"timed out after {within_s:g} s waiting for {what}"
        await asyncio.sleep(every_s)


def wait_until_sync(
    check: Callable[[], bool], what: str, within_s: float = DEADLINE_S, every_s: float = 0.05
) -> None:
    """`wait_until` for code outside an event loop."""
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, f"timed out after {within_s:g} s waiting for {what}"
        time.sleep(every_s)
