"""`coderunner create-api-key`: an admin makes a key a program (a Judge0 client) sends in
X-Auth-Token. The key acts as an existing account, with that account's role and limits.
`coderunner revoke-api-key` ends an account's keys of one label."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from coderunner.config import Settings
from coderunner.kernel.cli import configure_logs, data_dir_option, migrate, settings_or_exit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def _with_session(
    settings: Settings,
    work: Callable[[AsyncSession], Awaitable[T]],
    not_found_hint: str = "",
) -> T:
    """Run `work` in one session and commit it; an unknown account becomes a ClickException
    (the service's message, then `not_found_hint`)."""
    from coderunner.db.engine import create_engine, create_sessionmaker
    from coderunner.kernel.errors import NotFound

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            try:
                result = await work(session)
            except NotFound as exc:
                raise click.ClickException(exc.message + not_found_hint) from None
            await session.commit()
            return result
    finally:
        await engine.dispose()


async def _create(settings: Settings, username: str, name: str) -> str:
    from coderunner.judge0.service import create_api_key

    return await _with_session(
        settings,
        lambda session: create_api_key(session, username, name),
        not_found_hint="; create it first",
    )


@click.command("create-api-key")
@click.option("--username", required=True, help="the account the key acts as")
@click.option("--name", default="judge0 client", show_default=True, help="a label for the key")
@data_dir_option
def create_api_key_command(username: str, name: str, data_dir: Path | None) -> None:
    """Create an API key for the Judge0-compatible API (printed once; only its hash is kept)."""
    if not 1 <= len(name) <= 64:
        raise click.BadParameter("1-64 characters", param_hint="--name")
    settings = settings_or_exit(data_dir=data_dir)
    configure_logs(settings, "cli")
    migrate(settings)
    click.echo(asyncio.run(_create(settings, username, name)))


async def _revoke(settings: Settings, username: str, name: str) -> int:
    from coderunner.judge0.service import revoke_api_keys

    return await _with_session(settings, lambda session: revoke_api_keys(session, username, name))


@click.command("revoke-api-key")
@click.option("--username", required=True, help="the account the key acts as")
@click.option("--name", required=True, help="the label the key was made with")
@data_dir_option
def revoke_api_key_command(username: str, name: str, data_dir: Path | None) -> None:
    """Revoke an account's API keys of one label: requests with them get 401 at once."""
    settings = settings_or_exit(data_dir=data_dir)
    configure_logs(settings, "cli")
    migrate(settings)
    count = asyncio.run(_revoke(settings, username, name))
    if count == 0:
        raise click.ClickException(f"{username} has no live key named {name!r}")
    click.echo(f"revoked {count} key{'s' if count != 1 else ''} of {username} named {name!r}")
