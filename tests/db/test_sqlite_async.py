"""SQLite's one-trip statements (coderunner.db.sqlite_async) on a real file database.

Trips are counted at aiosqlite's call queue (`Connection._execute`), the hand-off to the
connection's thread that the module exists to make rare.
"""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from coderunner.db.engine import create_engine_for_url


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine_for_url(f"sqlite+aiosqlite:///{tmp_path / 'one-trip.db'}")
    async with engine.begin() as conn:
        await conn.execute(
            text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, n INT)")
        )
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """Calls into the connection thread, by the function sent there."""
    counted: collections.Counter[str] = collections.Counter()
    real: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    async def counting(
        self: aiosqlite.Connection, fn: Callable[..., Any], *a: Any, **k: Any
    ) -> Any:
        counted[getattr(fn, "__name__", repr(fn))] += 1
        return await real(self, fn, *a, **k)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return counted


async def test_a_select_is_one_trip_and_keeps_its_description(
    engine: AsyncEngine, trips: collections.Counter[str]
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the pool's first connect is not counted below
        trips.clear()
        result = await conn.execute(text("SELECT id, name FROM t WHERE n > :n"), {"n": 0})
        assert list(result.keys()) == ["id", "name"]  # from the description, with no rows
        assert result.all() == []
        assert trips == {"_run": 1}


async def test_writes_report_rowcount_and_lastrowid(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
        assert inserted.lastrowid == 1
        many = await conn.execute(
            text("INSERT INTO t (name, n) VALUES (:name, :n)"),
            [{"name": "b", "n": 2}, {"name": "c", "n": 3}],
        )
        assert many.rowcount == 2
        updated = await conn.execute(text("UPDATE t SET n = n + 10 WHERE n >= 2"))
        assert updated.rowcount == 2
        rows = (await conn.execute(text("SELECT name, n FROM t ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [("a", 1), ("b", 12), ("c", 13)]


async def test_returning_rows_come_back_in_the_same_trip(
    engine: AsyncEngine, trips: collections.Counter[str]
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
        trips.clear()
        row = (await conn.execute(text("UPDATE t SET n = 5 RETURNING id, n"))).one()
        assert tuple(row) == (1, 5)
        assert trips == {"_run": 1}


async def test_driver_errors_surface_as_sqlalchemy_errors(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
        with pytest.raises(exc.IntegrityError):
            await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 2)"))
        await conn.rollback()
        with pytest.raises(exc.OperationalError):
            await conn.execute(text("SELECT nope FROM t"))


async def test_a_committed_transaction_is_not_rolled_back_again_on_return(
    engine: AsyncEngine, trips: collections.Counter[str]
) -> None:
    trips.clear()  # the fixture opened the pooled connection: its set-up is not counted
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
    # BEGIN with the INSERT, then COMMIT: no rollback when the connection goes back to the pool
    assert trips == {"_run": 1, "commit": 1}


async def test_begin_travels_with_the_first_statement(
    engine: AsyncEngine, trips: collections.Counter[str]
) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: aiosqlite.Connection = raw.driver_connection  # type: ignore[assignment]
        trips.clear()
        await conn.begin()
        assert not driver.in_transaction  # not yet sent
        await conn.execute(text("INSERT INTO t (name, n) VALUES ('a', 1)"))
        assert driver.in_transaction  # sent with the INSERT
        assert trips == {"_run": 1}
        await conn.rollback()
        assert not driver.in_transaction
        count = (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one()
        await conn.commit()
    assert count == 0  # the rollback undid the INSERT: it ran inside the transaction


async def test_a_transaction_in_which_nothing_ran_costs_no_trip(
    engine: AsyncEngine, trips: collections.Counter[str]
) -> None:
    trips.clear()  # the fixture opened the pooled connection: its set-up is not counted
    async with engine.begin():
        pass
    async with engine.connect() as conn:
        await conn.begin()
        await conn.rollback()
    assert trips == {}


async def test_begin_immediate_takes_the_write_lock_before_the_first_read(
    engine: AsyncEngine,
) -> None:
    """A writer's BEGIN IMMEDIATE still comes before its first statement, so another
    connection can't write in between (it waits, then fails on the busy timeout)."""
    async with engine.connect() as writer, engine.connect() as other:
        await other.exec_driver_sql("PRAGMA busy_timeout=50")
        await other.commit()
        await writer.execution_options(sqlite_begin="IMMEDIATE")
        await writer.begin()
        await writer.execute(text("SELECT count(*) FROM t"))
        with pytest.raises(exc.OperationalError, match="locked"):
            async with other.begin():
                await other.execute(text("INSERT INTO t (name, n) VALUES ('x', 1)"))
        await writer.rollback()


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(
    engine: AsyncEngine,
) -> None:
    """A transaction SQLAlchemy does not know of (opened on the driver) still ends on return."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: aiosqlite.Connection = raw.driver_connection  # type: ignore[assignment]
        await driver.execute("BEGIN")
        await driver.execute("INSERT INTO t (name, n) VALUES ('ghost', 1)")
        assert driver.in_transaction
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert raw.driver_connection is driver  # the pool handed back the same connection
        assert not driver.in_transaction
        count = (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one()
    assert count == 0
