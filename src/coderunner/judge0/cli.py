"""`coderunner create-api-key`: an admin makes a key a program (a Judge0 client) sends in
X-Auth-Token. The key acts as an existing account, with that account's role and limits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from coderunner.api.cli import _logging, _migrate, _settings, data_dir_option
from coderunner.config import Settings


async def _create(settings: Settings, username: str, name: str) -> str:
    from coderunner.api.errors import NotFound
    from coderunner.db.engine import create_engine, create_sessionmaker
    from coderunner.judge0.service import create_api_key

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            try:
                key = await create_api_key(session, username, name)
            except NotFound as exc:
                raise click.ClickException(f"{exc.message}; create it first") from None
            await session.commit()
            return key
    finally:
        await engine.dispose()


@click.command("create-api-key")
@click.option("--username", required=True, help="the account the key acts as")
@click.option("--name", default="judge0 client", show_default=True, help="a label for the key")
@data_dir_option
def create_api_key_command(username: str, name: str, data_dir: Path | None) -> None:
    """Create an API key for the Judge0-compatible API (printed once; only its hash is kept)."""
    if not 1 <= len(name) <= 64:
        raise click.BadParameter("1-64 characters", param_hint="--name")
    settings = _settings(data_dir=data_dir)
    _logging(settings, "cli")
    _migrate(settings)
    click.echo(asyncio.run(_create(settings, username, name)))
