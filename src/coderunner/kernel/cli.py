"""What every `coderunner` command shares: settings (a clear message, not a traceback, when
they are wrong), logging, migrations and the --data-dir option."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import structlog

from coderunner.config import ConfigError, Settings, load_settings

log = structlog.get_logger("coderunner.cli")


def settings_or_exit(**overrides: Any) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def configure_logs(settings: Settings, service: str) -> None:
    from coderunner.logs import configure_logging

    configure_logging(
        service, settings.log_level, settings.log_dir, development=settings.is_development
    )


def migrate(settings: Settings) -> None:
    from coderunner.db.migrate import run_migrations

    run_migrations(settings)
    log.info("migrations_applied", database=settings.database_url.split("://")[0])


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where SQLite, the JWT secret and other state live [default: ./.data].",
)
