"""SQLite under asyncio with one trip to the driver's thread per statement.

aiosqlite runs each connection in its own thread; every call crosses threads and wakes the event
loop on the way back. SQLAlchemy's aiosqlite adapter makes four such calls per SELECT (cursor,
execute, fetchall, close) and three per write, and the pool rolls back every connection it gets
back, even right after a commit. On a 2-core server that hand-off dominated the cost of a
request (see docs/adr/0004-sqlite-one-trip-statements.md).

This module keeps SQLAlchemy's aiosqlite dialect and aiosqlite itself, and changes three things:
- the adapted cursor runs cursor + execute + fetchall + close as ONE call in the connection's
  thread (through aiosqlite's own call queue, as SQLAlchemy's adapter already does for
  isolation levels), keeping the description, rowcount and lastrowid it needs;
- a transaction's BEGIN (or BEGIN IMMEDIATE) travels with its first statement, and ending a
  transaction in which nothing ran, or none is open, makes no trip;
- the pool's reset on return rolls back only a connection that is still in a transaction
  (`in_transaction` reads the SQLite handle's autocommit flag without a trip).
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState
from sqlalchemy.util import EMPTY_DICT

_Done = tuple[Any, list[Any] | None, int, int | None]


def _run(
    raw: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> _Done:
    """In the connection's thread: the deferred BEGIN if any, then the whole statement, rows
    included."""
    if begin is not None:
        raw.execute(begin)
    cursor = raw.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else None
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement is one trip to the connection's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # no driver cursor is opened here: `_run` opens and closes one per statement
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows: collections.deque[Any] = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        async with adapted._execute_mutex:
            begin, adapted.pending_begin = adapted.pending_begin, None
            done: _Done = await connection._execute(  # type: ignore[no-untyped-call]
                _run, connection._conn, begin, operation, parameters, many
            )
        self._description, rows, self._rowcount, self._lastrowid = done
        self._rows = collections.deque(rows or ())

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        return None  # nothing is open between calls

    def close(self) -> None:
        self._rows.clear()

    def nextset(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None

    def fetchall(self) -> Sequence[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """Its BEGIN travels with the transaction's first statement; ending a transaction in which
    nothing ran, or none is open, makes no trip."""

    __slots__ = ("pending_begin",)
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.pending_begin: str | None = None

    def begin_with_next_statement(self, statement: str) -> None:
        """Send `statement` (BEGIN …) together with the next one."""
        self.pending_begin = statement

    def _nothing_to_end(self) -> bool:
        if self.pending_begin is not None:
            self.pending_begin = None
            return True
        try:
            return not self._connection.in_transaction
        except ValueError:  # closed: let the driver say so
            return False

    def commit(self) -> None:
        if not self._nothing_to_end():
            super().commit()

    def rollback(self) -> None:
        if not self._nothing_to_end():
            super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI shim, handing out `OneTripConnection`s."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    """The `module=` to give `create_async_engine` for a `sqlite+aiosqlite` URL."""
    return OneTripDBAPI(aiosqlite, sqlite3)


def _reset_if_in_transaction(
    dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry, state: PoolResetState
) -> None:
    if not state.asyncio_safe:
        return  # the pool is terminating the connection instead
    if isinstance(dbapi_connection, OneTripConnection):
        dbapi_connection.pending_begin = None
    driver: aiosqlite.Connection = dbapi_connection._connection
    try:
        open_transaction = driver.in_transaction
    except ValueError:  # aiosqlite: the connection is already closed
        return
    if open_transaction:
        dbapi_connection.rollback()


def reset_only_open_transactions(engine: AsyncEngine) -> None:
    """Make the pool's reset on return a rollback only when a transaction is still open.

    The engine must be created with `pool_reset_on_return=None`; this handler replaces it.
    """
    event.listen(engine.sync_engine.pool, "reset", _reset_if_in_transaction)
