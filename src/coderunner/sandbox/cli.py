"""`coderunner exec` and `coderunner selftest`: thin adapters over the sandbox."""

from __future__ import annotations

import json
import sys
from typing import BinaryIO

import click

from .languages import UnknownLanguageError, registry
from .limits import DEFAULT_LIMITS
from .runner import SandboxUnavailableError

EXIT_PLATFORM_FAILURE = 1


def _read(stream: BinaryIO) -> bytes:
    return stream.read()


@click.command("exec")
@click.argument("source", type=click.File("rb"))
@click.option(
    "--language",
    default="python",
    show_default=True,
    help="Language of SOURCE (see languages.yaml).",
)
@click.option("--stdin", "stdin_file", type=click.File("rb"), help="File fed to the program.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.01),
    help="Time limit in seconds of CPU time; a program that sleeps or waits is stopped at twice "
    f"that plus a second of wall clock [default: {DEFAULT_LIMITS.cpu_time_s}].",
)
@click.option(
    "--memory-limit",
    type=click.IntRange(min=8),
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

    Exit status: 0 when the sandbox produced a verdict (whatever it is), 2 on a usage error,
    1 when the platform itself failed.
    """
    from . import get_language, get_sandbox

    try:
        lang = get_language(language)
    except UnknownLanguageError as exc:
        raise click.BadParameter(str(exc), param_hint="--language") from exc
    code = _read(source)
    stdin = _read(stdin_file) if stdin_file is not None else b""
    try:
        # a self-test passed earlier in this boot under the same policy is trusted (root only)
        sandbox = get_sandbox(reuse_selftest=True)
    except SandboxUnavailableError as exc:
        _fail(str(exc), as_json)
        return
    limits = sandbox.config.default_limits.with_overrides(
        wall_time_s=time_limit, cpu_time_s=time_limit, memory_mb=memory_limit
    )
    result = sandbox.run(code, lang.key, stdin, lang.limits(limits))
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    else:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        click.echo(
            f"--- {result.verdict} exit={result.exit_code} signal={result.signal} "
            f"cpu={result.time_ms}ms wall={result.wall_ms}ms mem={result.memory_kb}KB"
            + (" (output truncated)" if result.truncated else ""),
            err=True,
        )
    if result.internal_reason is not None:
        sys.exit(EXIT_PLATFORM_FAILURE)


def _fail(message: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"error": {"code": "SANDBOX_UNAVAILABLE", "message": message}}))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_PLATFORM_FAILURE)


@click.command("selftest")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def selftest_command(as_json: bool) -> None:
    """Prove on this host that the sandbox isolates and limits code (exit 1 if not)."""
    from . import build_sandbox, run_selftest

    try:
        report = run_selftest(build_sandbox())
    except SandboxUnavailableError as exc:
        _fail(str(exc), as_json)
        return
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        for check in report.checks:
            click.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        click.echo(f"{report.backend}; {report.duration_ms} ms; languages: {sorted(registry())}")
    sys.exit(0 if report.ok else EXIT_PLATFORM_FAILURE)
