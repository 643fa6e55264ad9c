"""Structured logging: JSON lines to stdout (colored console in development on a TTY).

`LOG_DIR` adds a per-process file `<service>-<pid>.log`, rotated daily and kept 14 days, so two
processes never write one file. At start-up the files of processes that are gone are pruned: those
older than the retention, and all but the newest `KEEP_DEAD_FILES`, so restarts don't pile up.
Request id and user id are bound through structlog contextvars.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

RETENTION_DAYS = 14
KEEP_DEAD_FILES = 20
_PID_FILE = re.compile(r"^(?P<service>.+)-(?P<pid>\d+)\.log(?:\..+)?$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune_log_files(
    log_dir: Path,
    service: str,
    *,
    keep_dead: int = KEEP_DEAD_FILES,
    retention_days: int = RETENTION_DAYS,
) -> list[Path]:
    """Delete `service`'s log files of processes that are gone: older than `retention_days`,
    or beyond the newest `keep_dead`. Returns what was deleted."""
    dead: list[tuple[float, Path]] = []
    for path in log_dir.glob(f"{service}-*.log*"):
        match = _PID_FILE.match(path.name)
        if match is None or match["service"] != service:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            dead.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    dead.sort(reverse=True)
    cutoff = time.time() - retention_days * 86400
    removed: list[Path] = []
    for index, (mtime, path) in enumerate(dead):
        if index >= keep_dead or mtime < cutoff:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _add_service(service: str) -> Processor:
    def processor(_logger: Any, _name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return processor


def log_file_path(log_dir: Path, service: str) -> Path:
    return log_dir / f"{service}-{os.getpid()}.log"


def configure_logging(
    service: str,
    level: str = "info",
    log_dir: Path | None = None,
    *,
    development: bool = False,
) -> None:
    """Route structlog and stdlib logging (uvicorn, sqlalchemy, alembic) to JSON lines."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    json_formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    )
    console = development and sys.stdout.isatty()
    stdout_formatter = (
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.dev.ConsoleRenderer(colors=True),
            ],
        )
        if console
        else json_formatter
    )
    handlers: list[logging.Handler] = []
    stream = logging.StreamHandler(sys.stdout)
    stream.setFormatter(stdout_formatter)
    handlers.append(stream)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        prune_log_files(log_dir, service)
        file_handler = logging.handlers.TimedRotatingFileHandler(
            log_file_path(log_dir, service),
            when="midnight",
            backupCount=RETENTION_DAYS,
            utc=True,
            encoding="utf-8",
        )
        file_handler.setFormatter(json_formatter)
        handlers.append(file_handler)

    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own access log is replaced by ours (with request id, user id, latency)
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
