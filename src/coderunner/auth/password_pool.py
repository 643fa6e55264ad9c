"""Password hashing off the event loop, with a bound: `PasswordPool`.

Argon2id is slow on purpose (`tokens.py` holds its parameters: about 20-30 ms of CPU a hash).
A class signing up or logging in together sends 30 hashes at once; unbounded, they pile up in
threads, every request waits for all of them, and the web process stops waiting first. The pool
runs at most `workers` hashes at once (one per core), lets at most `queue` more wait, and lets
none wait longer than `max_wait_s`; a request beyond either bound is answered at once with
`PasswordsBusy` (503 + Retry-After, with a kind message), never left to time out.

The caller must hold no database connection or lock while it awaits the pool
(`auth.service` hashes before its first query and ends its read before verifying).
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from coderunner.auth.tokens import hash_password, verify_password
from coderunner.kernel.errors import Unavailable

if TYPE_CHECKING:
    from coderunner.config import Settings

T = TypeVar("T")

BUSY_MESSAGE = "Lots of people are logging in right now. Please wait a few seconds and try again."
MAX_RETRY_AFTER_S = 30
# a first guess of one hash's wall time, until the pool has measured some
_FIRST_GUESS_S = 0.05


class PasswordsBusy(Unavailable):
    """The password pool is full: 503 with a Retry-After from the measured hash time."""

    code = "BUSY"

    def __init__(self, retry_after: int) -> None:
        super().__init__(BUSY_MESSAGE, retry_after=retry_after)


def default_workers() -> int:
    """One hashing thread per core this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


class PasswordPool:
    """Bounded Argon2 hashing: `await pool.hash(p)`, `await pool.verify(p, stored)`."""

    def __init__(self, workers: int, queue: int, max_wait_s: float) -> None:
        self.workers = max(1, workers)
        self.queue = max(0, queue)
        self.max_wait_s = max_wait_s
        self._slots = asyncio.Semaphore(self.workers)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="password")
        self._waiting = 0
        self._mean_s = _FIRST_GUESS_S

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordPool:
        workers = settings.password_workers or default_workers()
        return cls(workers, settings.password_queue, settings.password_wait_s)

    @property
    def waiting(self) -> int:
        """Hashes admitted and not yet started."""
        return self._waiting

    def retry_after(self) -> int:
        """Seconds until the hashes now waiting would be done, at the measured speed."""
        drain = (self._waiting + self.workers) * self._mean_s / self.workers
        return max(1, min(MAX_RETRY_AFTER_S, math.ceil(drain)))

    async def _run(self, work: Callable[[], T]) -> T:
        if self._waiting >= self.queue and self._slots.locked():
            raise PasswordsBusy(self.retry_after())
        self._waiting += 1
        try:
            async with asyncio.timeout(self.max_wait_s):
                await self._slots.acquire()
        except TimeoutError:
            raise PasswordsBusy(self.retry_after()) from None
        finally:
            self._waiting -= 1
        try:
            started = time.monotonic()
            result = await asyncio.get_running_loop().run_in_executor(self._executor, work)
            # a moving average of one hash's wall time, for Retry-After
            self._mean_s = 0.8 * self._mean_s + 0.2 * (time.monotonic() - started)
            return result
        finally:
            self._slots.release()

    async def hash(self, password: str) -> str:
        return await self._run(lambda: hash_password(password))

    async def hash_many(self, passwords: list[str]) -> list[str]:
        """Several hashes as one turn in the queue (a teacher making a class's accounts)."""
        return await self._run(lambda: [hash_password(p) for p in passwords])

    async def verify(self, password: str, stored: str | None) -> tuple[bool, str | None]:
        """(valid, a new hash when the stored one should be upgraded); see `verify_password`."""
        return await self._run(lambda: verify_password(password, stored))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
