"""`coderunner exec` and `coderunner selftest`: thin adapters over the sandbox.

`coderunner exec` runs through `execute.py`, which the console script calls first, without
click, for a plain command line; this command answers the rest (--help, usage errors).
"""

from __future__ import annotations

import json
import sys
from typing import BinaryIO

import click

from .execute import (
    DEFAULT_LANGUAGE,
    EXIT_PLATFORM_FAILURE,
    MIN_MEMORY_MB,
    MIN_TIME_LIMIT_S,
    execute,
    fail,
)
from .languages import UnknownLanguageError, get_language, registry
from .limits import DEFAULT_LIMITS
from .runner import SandboxUnavailableError


@click.command("exec")
@click.argument("source", type=click.File("rb"))
@click.option(
    "--language",
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="Language of SOURCE (see languages.yaml).",
)
@click.option("--stdin", "stdin_file", type=click.File("rb"), help="File fed to the program.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=MIN_TIME_LIMIT_S),
    help="Time limit in seconds of CPU time; a program that sleeps or waits is stopped at twice "
    f"that plus a second of wall clock [default: {DEFAULT_LIMITS.cpu_time_s}].",
)
@click.option(
    "--memory-limit",
    type=click.IntRange(min=MIN_MEMORY_MB),
    help=f"Memory limit in MB [default: {DEFAULT_LIMITS.memory_mb}].",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
def exec_command(
    source: BinaryIO,
    language: str,
    stdin_file: BinaryIO | None,
    time_limit: float | None,
    memory_limit: int | None,
    as_json: bool,
) -> None:
    """Run SOURCE (a path, or - for standard input) in the sandbox and report the verdict.

    Exit status: 0 when the sandbox produced a verdict (whatever it is), 2 on a usage error or
    an invalid setting, 1 when the platform itself failed.
    """
    try:
        lang = get_language(language)
    except UnknownLanguageError as exc:
        raise click.BadParameter(str(exc), param_hint="--language") from exc
    code = source.read()
    stdin = stdin_file.read() if stdin_file is not None else b""
    execute(lang, code, stdin, time_limit, memory_limit, as_json)


@click.command("selftest")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def selftest_command(as_json: bool) -> None:
    """Prove on this host that the sandbox isolates and limits code (exit 1 if not)."""
    from . import build_sandbox, run_selftest

    try:
        report = run_selftest(build_sandbox())
    except SandboxUnavailableError as exc:
        fail(str(exc), as_json)
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        for check in report.checks:
            click.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        click.echo(f"{report.backend}; {report.duration_ms} ms; languages: {sorted(registry())}")
    sys.exit(0 if report.ok else EXIT_PLATFORM_FAILURE)
