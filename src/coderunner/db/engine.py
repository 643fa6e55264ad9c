"""Build the async engine and session factory from settings (never at import)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from coderunner.config import Settings
from coderunner.db.sqlite_async import (
    OneTripConnection,
    one_trip_dbapi,
    reset_only_open_transactions,
)


def _sqlite_connect_listener(lock_timeout_s: float) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy, not the driver, emit BEGIN, so SAVEPOINTs work (SQLAlchemy's recipe)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # how long a writer waits for SQLite's write lock before "database is locked" (503)
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_s * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


SQLITE_BEGIN_OPTION = "sqlite_begin"


def _sqlite_on_begin(conn: Any) -> None:
    # DEFERRED by default; IMMEDIATE for transactions that will write (see `begin_write`), so
    # concurrent writers queue on the busy timeout instead of failing with "database is locked"
    mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
    statement = "BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN"
    driver = conn.connection.dbapi_connection
    if isinstance(driver, OneTripConnection):
        driver.begin_with_next_statement(statement)  # no trip of its own
    else:
        conn.exec_driver_sql(statement)


async def begin_write(session: AsyncSession) -> None:
    """Start `session`'s transaction as a writer (SQLite: BEGIN IMMEDIATE; PostgreSQL: as usual).

    Call it first thing in a unit of work that will write; it is a no-op once the session's
    transaction has begun.
    """
    if not session.in_transaction():
        await session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def writer(engine: AsyncEngine) -> AsyncEngine:
    """`engine` (same pool) whose transactions begin as writers, each at its first statement
    (SQLite: BEGIN IMMEDIATE; PostgreSQL: as usual). A session bound to it holds no connection
    and no lock until it first touches the database, so work before that (a password hash) does
    not keep other writers waiting."""
    return engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def create_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    """The async engine for `settings.database_url`; SQLite gets WAL, foreign keys and one trip to
    the driver's thread per statement (`sqlite_async`)."""
    return create_engine_for_url(
        settings.database_url,
        pool_timeout_s=settings.db_pool_timeout_s,
        lock_timeout_s=settings.db_lock_timeout_s,
        **kwargs,
    )


# seconds a request waits for a pooled connection before its 503 + Retry-After, unless the
# settings say otherwise (CODERUNNER_DB_POOL_TIMEOUT_S): under the web's wait for the API
POOL_TIMEOUT_S = 10.0
# seconds a SQLite writer waits for the write lock (CODERUNNER_DB_LOCK_TIMEOUT_S)
LOCK_TIMEOUT_S = 5.0
# SQLite connections kept open (each is a thread of aiosqlite's) and opened beyond them at most
SQLITE_POOL_SIZE = 20
SQLITE_MAX_OVERFLOW = 10


def create_engine_for_url(
    url: str,
    pool_timeout_s: float = POOL_TIMEOUT_S,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
    **kwargs: Any,
) -> AsyncEngine:
    parsed = make_url(url)
    if "poolclass" not in kwargs and parsed.database != ":memory:":
        kwargs.setdefault("pool_timeout", pool_timeout_s)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        if parsed.get_driver_name() == "aiosqlite":
            kwargs.setdefault("module", one_trip_dbapi())
            kwargs.setdefault("pool_reset_on_return", None)
            if "poolclass" not in kwargs and parsed.database not in (None, "", ":memory:"):
                # keep what an embedded server uses at once (requests + its job workers):
                # a connection past the pool's size is opened per use (a thread, a connect,
                # four PRAGMAs) and closed again, CPU per job that nobody sees
                kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
                kwargs.setdefault("max_overflow", SQLITE_MAX_OVERFLOW)
        engine = create_async_engine(url, **kwargs)
        if kwargs.get("pool_reset_on_return", "rollback") is None:
            reset_only_open_transactions(engine)
        event.listen(engine.sync_engine, "connect", _sqlite_connect_listener(lock_timeout_s))
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (no implicit refresh)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
