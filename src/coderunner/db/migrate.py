"""Run the packaged Alembic migrations programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from coderunner.config import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and `database_url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def run_migrations(settings: Settings, revision: str = "head") -> None:
    """Upgrade the database of `settings` to `revision` (blocking; uses its own event loop).

    From async code call it in a thread: `await asyncio.to_thread(run_migrations, settings)`.
    """
    upgrade_url(settings.database_url, revision)


def upgrade_url(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade_url(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
