"""The packaged migrations: upgrade, downgrade, no drift from the models, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.pool import NullPool

from coderunner.db.engine import create_engine_for_url
from coderunner.db.migrate import alembic_config, downgrade_url, upgrade_url
from coderunner.db.registry import metadata
from tests.support.env import scratch_database

EXPECTED_TABLES = {
    "users",
    "revoked_tokens",
    "levels",
    "problems",
    "test_cases",
    "cheatsheets",
    "learning_sessions",
    "progress",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        return
    with scratch_database("coderunner_migrate") as url:
        yield url


def _inspect(url: str) -> tuple[set[str], list[object], dict[str, str]]:
    def work(conn: Connection) -> tuple[set[str], list[object], dict[str, str]]:
        tables = set(inspect(conn).get_table_names())
        diff = compare_metadata(MigrationContext.configure(conn), metadata) if tables else []
        extra: dict[str, str] = {}
        if conn.dialect.name == "sqlite":
            extra["journal_mode"] = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
            extra["foreign_keys"] = str(conn.exec_driver_sql("PRAGMA foreign_keys").scalar())
        return tables, list(diff), extra

    async def run() -> tuple[set[str], list[object], dict[str, str]]:
        engine = create_engine_for_url(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(run())


# SQLite cannot reflect expression indexes; SQLAlchemy and Alembic say so, and we know
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_matches_models_and_downgrades(empty_database: str) -> None:
    upgrade_url(empty_database)
    tables, diff, extra = _inspect(empty_database)
    assert tables >= EXPECTED_TABLES
    # only the expression index is invisible to SQLite reflection; nothing else may differ
    assert [d for d in diff if "uq_users_username_lower" not in repr(d)] == []
    if extra:
        assert extra == {"journal_mode": "wal", "foreign_keys": "1"}
    downgrade_url(empty_database, "base")
    tables, _, _ = _inspect(empty_database)
    assert tables <= {"alembic_version"}
    upgrade_url(empty_database)  # and up again: migrations are repeatable
    assert _inspect(empty_database)[0] >= EXPECTED_TABLES


def test_username_index_is_case_insensitive(empty_database: str) -> None:
    upgrade_url(empty_database)

    async def run() -> None:
        engine = create_engine_for_url(empty_database, poolclass=NullPool)
        insert = text(
            "INSERT INTO users (id, username, password_hash, role, leaderboard_opt_out, "
            "created_at) VALUES (:id, :name, 'x', 'learner', false, CURRENT_TIMESTAMP)"
        )
        try:
            async with engine.begin() as conn:
                await conn.execute(insert, {"id": "1", "name": "Leo"})
            with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
                async with engine.begin() as conn:
                    await conn.execute(insert, {"id": "2", "name": "LEO"})
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_single_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(script.get_heads()) == 1
    command.history(alembic_config("sqlite+aiosqlite://"))  # the chain loads
