"""Which exceptions mean "a dependency is down" (answered 503 + Retry-After), not "a bug" (500).

A dependency failure is the database unreachable, restarting or out of disk, Redis unreachable,
or the operating system refusing a connection or a write for lack of space. `outage_of(exc)`
names the part that failed, following `__cause__`/`__context__` chains and exception groups, so
a driver error wrapped by SQLAlchemy, anyio or taskiq is still recognised.
"""

from __future__ import annotations

import errno
from typing import Literal

import redis.exceptions as redis_errors
from sqlalchemy import exc as sa_errors

Part = Literal["database", "redis", "disk", "connection"]

RETRY_AFTER_S = 5
MESSAGE = "Code Runner is taking a short break. Please wait a moment and try again."

# the OS says the disk is full or read-only
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})
# PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources (53100 disk
# full), 57P01-57P03 shutdown / cannot connect now, 25006 read-only transaction
_PG_OUTAGE_PREFIXES = ("08", "53", "57P0", "25006")
_SQLITE_DISK_WORDS = ("disk is full", "disk i/o error", "readonly database", "unable to open")


def _chain(exc: BaseException) -> list[BaseException]:
    # breadth first: the outermost recognisable error names the part
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 50:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            todo.append(orig)
    return seen


def _one(exc: BaseException) -> Part | None:
    if isinstance(exc, redis_errors.ConnectionError | redis_errors.TimeoutError):
        return "redis"
    if isinstance(exc, redis_errors.BusyLoadingError | redis_errors.ReadOnlyError):
        return "redis"
    if isinstance(exc, sa_errors.DBAPIError):
        text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
        if any(word in text for word in _SQLITE_DISK_WORDS):
            return "disk"
        if exc.connection_invalidated:
            return "database"
        if isinstance(exc, sa_errors.OperationalError | sa_errors.InterfaceError):
            return "database"
    if isinstance(exc, sa_errors.DisconnectionError | sa_errors.TimeoutError):
        return "database"  # a pool that cannot hand out a connection
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_PG_OUTAGE_PREFIXES):
        return "disk" if sqlstate == "53100" else "database"
    if type(exc).__module__.startswith("asyncpg") and "Connection" in type(exc).__name__:
        return "database"
    if isinstance(exc, OSError):
        if exc.errno in _DISK_ERRNOS:
            return "disk"
        if isinstance(exc, ConnectionError | TimeoutError) or exc.errno in (
            errno.ECONNREFUSED,
            errno.ECONNRESET,
            errno.EHOSTUNREACH,
            errno.ENETUNREACH,
        ):
            return "connection"
    return None


def outage_of(exc: BaseException) -> Part | None:
    """The dependency whose failure `exc` reports, or None for anything else (a bug)."""
    for linked in _chain(exc):
        part = _one(linked)
        if part is not None:
            return part
    return None
