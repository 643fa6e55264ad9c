"""`coderunner serve | api | migrate | create-admin`."""

from __future__ import annotations

import asyncio
import importlib
import re
from pathlib import Path
from typing import Any

import click
import structlog
import uvloop

from coderunner.config import Settings
from coderunner.kernel.cli import configure_logs, data_dir_option, migrate, settings_or_exit

log = structlog.get_logger("coderunner.cli")

CONTENT_SYNC_MODULE = "coderunner.content.sync"
WEB_APP_MODULE = "coderunner.web.app"
LOOPBACK = ("127.0.0.1/32", "::1/128")


async def load_curriculum(settings: Settings) -> None:
    """Sync the curriculum files into the database, when the content package provides it."""
    try:
        sync = importlib.import_module(CONTENT_SYNC_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != CONTENT_SYNC_MODULE:
            raise
        log.warning("curriculum_not_loaded", reason=f"{CONTENT_SYNC_MODULE} is not installed")
        return
    from coderunner.db.engine import create_engine, create_sessionmaker

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            result = await sync.sync_content(session)
            await session.commit()
        log.info("curriculum_loaded", result=str(result) if result is not None else None)
    finally:
        await engine.dispose()


def web_app(settings: Settings) -> Any:
    try:
        module = importlib.import_module(WEB_APP_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name not in (WEB_APP_MODULE, "coderunner.web"):
            raise
        from coderunner.api.placeholder import create_placeholder_app

        log.warning("web_placeholder", reason=f"{WEB_APP_MODULE} is not installed")
        return create_placeholder_app(settings.api_url)
    return module.create_web_app(settings)


async def _run(settings: Settings, *, with_web: bool) -> None:
    from coderunner.api.app import create_app
    from coderunner.api.server import make_server, serve_all

    await load_curriculum(settings)
    servers = [make_server(create_app(settings), settings.host, settings.port)]
    if with_web:
        servers.append(make_server(web_app(settings), settings.host, settings.web_port))
    log.info(
        "serving",
        api=f"http://{settings.host}:{settings.port}",
        web=f"http://{settings.host}:{settings.web_port}" if with_web else None,
        data_dir=str(settings.data_dir),
    )
    await serve_all(servers)


host_option = click.option("--host", default=None, help="Interface [default: 127.0.0.1].")


@click.command("serve")
@click.option("--api-port", type=click.IntRange(1, 65535), default=None, help="[default: 4000]")
@click.option("--web-port", type=click.IntRange(1, 65535), default=None, help="[default: 3000]")
@data_dir_option
@host_option
def serve_command(
    api_port: int | None, web_port: int | None, data_dir: Path | None, host: str | None
) -> None:
    """Run everything on one machine: migrations, curriculum, API and web."""
    settings = settings_or_exit(port=api_port, web_port=web_port, data_dir=data_dir, host=host)
    if api_port is not None and not settings.is_set("api_url"):
        client_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104
        settings.api_url = f"http://{client_host}:{settings.port}"
    if not settings.is_set("trusted_proxies"):
        # the web process on this machine proxies browsers' calls and names the real client in
        # X-Forwarded-For; trust it from loopback only, so per-IP limits stay per learner
        settings.trusted_proxies = list(LOOPBACK)
    configure_logs(settings, "coderunner")
    migrate(settings)
    uvloop.run(_run(settings, with_web=True))


@click.command("api")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="[default: 4000]")
@data_dir_option
@host_option
def api_command(port: int | None, data_dir: Path | None, host: str | None) -> None:
    """Run only the API (scaled-out mode). Apply migrations first with `coderunner migrate`."""
    settings = settings_or_exit(port=port, data_dir=data_dir, host=host)
    configure_logs(settings, "api")
    uvloop.run(_run(settings, with_web=False))


@click.command("migrate")
@data_dir_option
def migrate_command(data_dir: Path | None) -> None:
    """Apply the database migrations."""
    settings = settings_or_exit(data_dir=data_dir)
    configure_logs(settings, "migrate")
    migrate(settings)
    click.echo("database is up to date")


async def _create_admin(settings: Settings, username: str, password: str) -> str:
    from coderunner.auth.password_pool import PasswordPool
    from coderunner.auth.service import create_admin
    from coderunner.db.engine import create_engine, create_sessionmaker

    engine = create_engine(settings)
    passwords = PasswordPool(workers=1, queue=0, max_wait_s=60)
    try:
        async with create_sessionmaker(engine)() as session:
            user = await create_admin(session, username, password, passwords)
            await session.commit()
            return user.id
    finally:
        passwords.close()
        await engine.dispose()


@click.command("create-admin")
@click.option("--username", required=True)
@click.option(
    "--password",
    envvar="CODERUNNER_ADMIN_PASSWORD",
    default=None,
    help="[default: $CODERUNNER_ADMIN_PASSWORD, else prompt]",
)
@data_dir_option
def create_admin_command(username: str, password: str | None, data_dir: Path | None) -> None:
    """Create an admin user (or promote an existing one and reset its password)."""
    from coderunner.auth.schemas import USERNAME_PATTERN

    if not re.fullmatch(USERNAME_PATTERN, username):
        raise click.BadParameter("3-32 letters, digits, _ . -", param_hint="--username")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        raise click.BadParameter("admin passwords need at least 12 characters")
    settings = settings_or_exit(data_dir=data_dir)
    configure_logs(settings, "cli")
    migrate(settings)
    user_id = asyncio.run(_create_admin(settings, username, password))
    click.echo(f"admin {username} ready (id {user_id})")
