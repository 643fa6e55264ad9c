"""The console's two-way channel between the API (where the learner's browser is) and the worker
(where the program runs): output going up, answers and Stop going down.

Each direction of a job is a log of entries `(id, kind, text)` read from any id onwards, so a
reader that reconnects (an EventSource does, with Last-Event-ID) misses nothing and sees nothing
twice. Embedded: in-process lists. Scaled out (REDIS_URL): two Redis streams per job,
`<prefix>:console:<id>:out` and `:in`, so the API and the worker may be on different machines.
Both are bounded (entries per job, and the keys expire after the console ends).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

OUT = "out"
IN = "in"
START = "0"
# entries one direction of one console keeps at most, the newest (output arrives merged into
# chunks; answers are lines, and the worker takes at most 64 KiB of them)
MAX_ENTRIES = 5000
# a finished console's entries are kept this long, for a reader catching up
KEEP_S = 120.0

Entry = tuple[str, str, str]  # (id, kind, text)


class ConsoleChannel:
    """In-process channel (embedded mode: the API and its workers share one event loop)."""

    def __init__(self) -> None:
        self._logs: dict[tuple[str, str], _Log] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def _log(self, job_id: str, direction: str) -> _Log:
        key = (job_id, direction)
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = _Log()
        return log

    async def add(self, job_id: str, direction: str, entries: Iterable[tuple[str, str]]) -> None:
        log = self._log(job_id, direction)
        for kind, text in entries:
            log.entries.append((str(log.dropped + len(log.entries) + 1), kind, text))
        # as a Redis stream's MAXLEN: the oldest entries go, the newest (and the end) stay
        if (excess := len(log.entries) - MAX_ENTRIES) > 0:
            del log.entries[:excess]
            log.dropped += excess
        log.changed.set()
        log.changed = asyncio.Event()

    async def read(self, job_id: str, direction: str, after: str, block_s: float) -> list[Entry]:
        """Entries after id `after` ("0": from the start), waiting up to `block_s` for one."""
        log = self._log(job_id, direction)
        seen = int(after) if after.isdigit() else 0  # ids count the entries ever added
        if seen >= log.dropped + len(log.entries) and block_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(log.changed.wait(), block_s)
        return log.entries[max(0, seen - log.dropped) :]

    async def finished(self, job_id: str) -> None:
        """The console ended: its entries go after `KEEP_S`."""
        loop = asyncio.get_running_loop()
        for direction in (OUT, IN):
            loop.call_later(KEEP_S, self._logs.pop, (job_id, direction), None)


@dataclass
class _Log:
    entries: list[Entry] = field(default_factory=list)
    dropped: int = 0  # the oldest entries, gone past MAX_ENTRIES
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class RedisConsoleChannel(ConsoleChannel):
    """Two Redis streams per console; the keys expire, so nothing is left behind."""

    def __init__(self, redis_url: str, prefix: str, lifetime_s: float) -> None:
        super().__init__()
        self.redis: Redis = Redis.from_url(redis_url)
        self.prefix = f"{prefix}:console:"
        # a key outlives the longest console, in case its worker died before `finished`
        self.lifetime_s = int(lifetime_s + KEEP_S)

    def key(self, job_id: str, direction: str) -> str:
        return f"{self.prefix}{job_id}:{direction}"

    async def stop(self) -> None:
        await self.redis.aclose()

    async def add(self, job_id: str, direction: str, entries: Iterable[tuple[str, str]]) -> None:
        key = self.key(job_id, direction)
        async with self.redis.pipeline(transaction=False) as pipe:
            for kind, text in entries:
                pipe.xadd(key, {"k": kind, "d": text}, maxlen=MAX_ENTRIES, approximate=False)
            pipe.expire(key, self.lifetime_s)
            await pipe.execute()

    async def read(self, job_id: str, direction: str, after: str, block_s: float) -> list[Entry]:
        key = self.key(job_id, direction)
        block = int(block_s * 1000) if block_s > 0 else None
        answer: Any = await self.redis.xread({key: after or START}, count=500, block=block)
        found: list[Entry] = []
        for _stream, rows in answer or []:
            for entry_id, values in rows:
                kind = values.get(b"k", b"").decode()
                text = values.get(b"d", b"").decode(errors="replace")
                found.append((_text(entry_id), kind, text))
        return found

    async def finished(self, job_id: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for direction in (OUT, IN):
                pipe.expire(self.key(job_id, direction), int(KEEP_S))
            await pipe.execute()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def build_console_channel(redis_url: str | None, prefix: str, lifetime_s: float) -> ConsoleChannel:
    return RedisConsoleChannel(redis_url, prefix, lifetime_s) if redis_url else ConsoleChannel()
