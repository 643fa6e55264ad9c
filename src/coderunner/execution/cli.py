"""`coderunner worker`: run queued jobs in this process (scaled-out mode).

Needs REDIS_URL (the queues) and DATABASE_URL (the jobs). SIGTERM/SIGINT: stop taking jobs,
finish running ones within the deadline, give the rest back (pending) for other workers.
"""

from __future__ import annotations

import asyncio
import os
import signal

import click
import structlog
import uvloop
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from coderunner.config import ConfigError, Settings, load_settings
from coderunner.execution.models import QueueName

log = structlog.get_logger("coderunner.worker")


async def run_worker(
    settings: Settings,
    queues: list[str],
    concurrency: dict[str, int],
    shutdown_deadline_s: float,
    metrics_port: int | None = None,
) -> int:
    from prometheus_client import start_http_server

    from coderunner.db.engine import create_engine, create_sessionmaker
    from coderunner.execution.pipeline import Options, Pipeline
    from coderunner.sandbox import SandboxUnavailableError, get_sandbox

    try:
        await asyncio.to_thread(get_sandbox)
    except SandboxUnavailableError as exc:
        log.error("sandbox_unavailable", reason=str(exc))
        return 2
    engine = create_engine(settings)
    problem = await _check_database(engine)
    if problem is not None:
        await engine.dispose()
        log.error("database_not_ready", reason=problem)
        return 3
    options = Options.from_settings(settings)
    options.shutdown_deadline_s = shutdown_deadline_s
    pipeline = Pipeline(
        settings,
        create_sessionmaker(engine),
        run_jobs=True,
        queues=queues,
        concurrency=concurrency,
        options=options,
    )
    if metrics_port is not None:
        start_http_server(metrics_port, addr=settings.host)
    finish = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stop(sig: signal.Signals) -> None:
        if finish.is_set():
            log.warning("forced_exit", signal=sig.name)
            os._exit(1)
        log.info("worker_stopping", signal=sig.name, deadline_s=shutdown_deadline_s)
        if pipeline.processor is not None:
            pipeline.processor.accepting = False
        finish.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig)
    try:
        await pipeline.start()
        log.info(
            "worker_started",
            worker_id=pipeline.worker_id,
            queues=queues,
            concurrency=pipeline.queues.concurrency,
        )
        await finish.wait()
    finally:
        await pipeline.stop()
        await engine.dispose()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        log.info("worker_stopped", worker_id=pipeline.worker_id)
    return 0


async def _check_database(engine: AsyncEngine) -> str | None:
    """Why the jobs table can't be used, or None."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1 FROM execution_jobs LIMIT 1"))
    except Exception as exc:  # noqa: BLE001 - any reason is reported, by its name
        return (
            f"cannot read the jobs table ({type(exc).__name__}); "
            "is DATABASE_URL right and migrated (`coderunner migrate`)?"
        )
    return None


@click.command("worker")
@click.option(
    "--concurrency-execution",
    type=click.IntRange(1, 256),
    default=None,
    help="Jobs at once on code-execution [default: EXECUTION_CONCURRENCY].",
)
@click.option(
    "--concurrency-submission",
    type=click.IntRange(1, 256),
    default=None,
    help="Jobs at once on code-submission [default: SUBMISSION_CONCURRENCY].",
)
@click.option(
    "--concurrency-console",
    type=click.IntRange(1, 256),
    default=None,
    help="Consoles at once on code-console [default: CODERUNNER_CONSOLE_CONCURRENCY].",
)
@click.option(
    "--queue",
    "queue_names",
    multiple=True,
    type=click.Choice([q.value for q in QueueName]),
    help="Consume only this queue (repeatable) [default: all three].",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve Prometheus metrics on this port.",
)
@click.option(
    "--shutdown-deadline",
    type=click.FloatRange(0, 3600),
    default=None,
    help="Seconds to finish running jobs on SIGTERM/SIGINT "
    "[default: $CODERUNNER_WORKER_SHUTDOWN_DEADLINE_S or 20].",
)
def worker_command(
    concurrency_execution: int | None,
    concurrency_submission: int | None,
    concurrency_console: int | None,
    queue_names: tuple[str, ...],
    metrics_port: int | None,
    shutdown_deadline: float | None,
) -> None:
    """Run queued jobs (scaled-out mode): needs REDIS_URL and DATABASE_URL."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    missing = [
        env_name
        for env_name, given in (
            ("REDIS_URL", settings.redis_url is not None),
            ("DATABASE_URL", settings.is_set("database_url")),
        )
        if not given
    ]
    if missing:
        raise click.ClickException(
            f"coderunner worker needs {' and '.join(missing)}: workers share jobs through "
            "Redis and the database (for one machine, `coderunner serve` runs workers itself)"
        )
    from coderunner.logs import configure_logging

    configure_logging(
        "worker", settings.log_level, settings.log_dir, development=settings.is_development
    )
    from coderunner.observability import setup_error_reporting

    setup_error_reporting(settings, "worker")
    queues = list(queue_names) or [q.value for q in QueueName]
    concurrency = {
        QueueName.EXECUTION.value: concurrency_execution or settings.execution_concurrency,
        QueueName.SUBMISSION.value: concurrency_submission or settings.submission_concurrency,
        QueueName.CONSOLE.value: concurrency_console or settings.console_concurrency,
    }
    code = uvloop.run(
        run_worker(
            settings,
            queues,
            {q: concurrency[q] for q in queues},
            settings.worker_shutdown_deadline_s if shutdown_deadline is None else shutdown_deadline,
            metrics_port,
        )
    )
    if code == 2:
        raise click.ClickException("the sandbox is unavailable on this host (see the log)")
    if code == 3:
        raise click.ClickException(
            "the database is not ready: is DATABASE_URL right and migrated (`coderunner migrate`)?"
        )
    if code:
        raise SystemExit(code)
