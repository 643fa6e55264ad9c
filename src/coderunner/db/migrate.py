"""Run the packaged Alembic migrations programmatically."""

from __future__ import annotations

import argparse
import tempfile
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


def new_revision(message: str, rev_id: str | None = None) -> None:
    """Autogenerate a revision: diff the models against a scratch SQLite DB at head.

    Review the file it writes (type and index details) and run it on both databases.
    """
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'scratch.db'}"
        upgrade_url(url)
        command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id)


def main(argv: list[str] | None = None) -> None:
    """`python -m coderunner.db.migrate revision "message" [--rev-id 0003]` and friends."""
    parser = argparse.ArgumentParser(prog="python -m coderunner.db.migrate")
    sub = parser.add_subparsers(dest="command", required=True)
    rev = sub.add_parser("revision", help="autogenerate a new revision from the models")
    rev.add_argument("message")
    rev.add_argument("--rev-id", default=None)
    for name in ("upgrade", "downgrade"):
        p = sub.add_parser(name, help=f"{name} DATABASE_URL (or --url)")
        p.add_argument("revision", nargs="?", default="head" if name == "upgrade" else "-1")
        p.add_argument("--url", default=None)
    sub.add_parser("heads", help="show the head revision(s)")
    args = parser.parse_args(argv)
    if getattr(args, "url", "") is None:
        args.url = Settings().database_url
    if args.command == "revision":
        new_revision(args.message, args.rev_id)
    elif args.command == "heads":
        command.heads(alembic_config("sqlite+aiosqlite://"))
    elif not args.url:
        parser.error("set DATABASE_URL or pass --url")
    elif args.command == "upgrade":
        upgrade_url(args.url, args.revision)
    else:
        downgrade_url(args.url, args.revision)


if __name__ == "__main__":
    main()
