"""The console's channel on its own, in-process and on Redis: one contract for both. A console
that prints more entries than a log keeps loses its oldest ones, never its newest: the live
reader sees the program's last lines and the end of the console."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from coderunner.execution.console import END
from coderunner.execution.console_channel import (
    MAX_ENTRIES,
    OUT,
    ConsoleChannel,
    RedisConsoleChannel,
)
from tests.support.env import REDIS_URL, delete_redis_keys


@pytest.fixture(params=["in-process", pytest.param("redis", marks=pytest.mark.redis)])
async def channel(request: pytest.FixtureRequest) -> AsyncIterator[ConsoleChannel]:
    if request.param == "in-process":
        yield ConsoleChannel()
        return
    prefix = f"crtest-{secrets.token_hex(4)}"
    redis = RedisConsoleChannel(REDIS_URL, prefix, 60)
    try:
        yield redis
    finally:
        await redis.stop()
        delete_redis_keys(prefix)


async def test_a_reader_resumes_after_the_last_id_it_saw(channel: ConsoleChannel) -> None:
    await channel.add("job", OUT, [("stdout", "a"), ("stderr", "b")])
    first = await channel.read("job", OUT, "0", 0)
    assert [(kind, text) for _, kind, text in first] == [("stdout", "a"), ("stderr", "b")]
    await channel.add("job", OUT, [("stdout", "c")])
    again = await channel.read("job", OUT, first[-1][0], 0)
    assert [(kind, text) for _, kind, text in again] == [("stdout", "c")]
    assert await channel.read("job", OUT, again[-1][0], 0) == []


async def test_past_the_bound_the_oldest_entries_go_and_the_end_stays(
    channel: ConsoleChannel,
) -> None:
    # a slow printout: each line an entry of its own, more of them than a log keeps
    lines = [("stdout", f"{i}\n") for i in range(MAX_ENTRIES + 250)]
    seen: list[tuple[str, str, str]] = []
    after = "0"
    for start in range(0, len(lines), 500):
        await channel.add("job", OUT, lines[start : start + 500])
        while batch := await channel.read("job", OUT, after, 0):  # a live reader keeps up
            seen += batch
            after = batch[-1][0]
    await channel.add("job", OUT, [(END, "")])
    while batch := await channel.read("job", OUT, after, 0):
        seen += batch
        after = batch[-1][0]
    assert [text for _, _, text in seen[:-1]] == [text for _, text in lines]
    assert seen[-1][1] == END
    # a reader from the start finds the newest entries, at most the bound of them
    kept = []
    after = "0"
    while batch := await channel.read("job", OUT, after, 0):
        kept += batch
        after = batch[-1][0]
    assert len(kept) == MAX_ENTRIES
    assert kept[-1][1] == END
    assert kept[-2][2] == f"{MAX_ENTRIES + 249}\n"
