"""Failed sign-ins, limited so that they cannot be used against the account's owner.

Failures are counted per (username, address) and per address, never per username alone: a
stranger elsewhere cannot lock an account, and one child's typos only slow that child down, not
the class behind the same school address.

- per (username, address): `auth_failure_limit` failures (default 5) within `PAIR_WINDOW_S`,
  then that pair waits `BACKOFF_BASE_S`, doubling with each further failure up to
  `BACKOFF_CAP_S`;
- per address (any username; credential stuffing): `auth_address_failure_limit` (default 50, a
  class's worth of typos) within `ADDRESS_WINDOW_S`, with the same back-off.

A success clears its (username, address) count. While a key waits, attempts are refused before
the password is checked (429 with Retry-After), so guessing gets no faster by trying.
The counts live in the rate limiter's storage (memory, or Redis when REDIS_URL is set).
"""

from __future__ import annotations

import hashlib
import math
import time

import structlog
from limits.aio.storage import Storage

from coderunner.config import Settings

log = structlog.get_logger("coderunner.auth")

PAIR_WINDOW_S = 24 * 3600  # cleared by a success, so only a guesser keeps climbing
ADDRESS_WINDOW_S = 15 * 60
BACKOFF_BASE_S = 30
BACKOFF_CAP_S = 15 * 60


def _key(*parts: str) -> str:
    # usernames are user input: hash them so a key is always short and plain
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


class LoginThrottle:
    def __init__(self, storage: Storage, settings: Settings) -> None:
        self.storage = storage
        self.pair_limit = settings.auth_failure_limit
        self.address_limit = settings.auth_address_failure_limit

    def _scopes(self, username: str | None, address: str) -> list[tuple[str, int, int]]:
        scopes = [(_key("addr", address), self.address_limit, ADDRESS_WINDOW_S)]
        if username is not None:
            pair = _key("pair", username.casefold(), address)
            scopes.insert(0, (pair, self.pair_limit, PAIR_WINDOW_S))
        return scopes

    async def retry_after(self, username: str, address: str) -> int | None:
        """Seconds to wait before this (username, address) may try again, or None."""
        try:
            for key, _, _ in self._scopes(username, address):
                if await self.storage.get(f"auth-wait:{key}") > 0:
                    until = await self.storage.get_expiry(f"auth-wait:{key}")
                    return max(1, math.ceil(until - time.time()))
        # storage down (whatever its client raises): fail open, the password hash still costs
        except Exception as exc:  # noqa: BLE001
            log.warning("login_throttle_storage_error", error=repr(exc)[:200])
        return None

    async def failed(self, username: str | None, address: str) -> None:
        """Count a failure (`username` None: one that names no account, e.g. registration)."""
        try:
            for key, limit, window in self._scopes(username, address):
                count = await self.storage.incr(f"auth-fail:{key}", window)
                if count >= limit:
                    wait = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** min(count - limit, 10))
                    await self.storage.clear(f"auth-wait:{key}")
                    await self.storage.incr(f"auth-wait:{key}", wait)
        # storage down: one line, no traceback (logged per request)
        except Exception as exc:  # noqa: BLE001
            log.warning("login_throttle_storage_error", error=repr(exc)[:200])

    async def succeeded(self, username: str, address: str) -> None:
        try:
            key = _key("pair", username.casefold(), address)
            await self.storage.clear(f"auth-fail:{key}")
            await self.storage.clear(f"auth-wait:{key}")
        # storage down: one line, no traceback (logged per request)
        except Exception as exc:  # noqa: BLE001
            log.warning("login_throttle_storage_error", error=repr(exc)[:200])
