"""`coderunner exec` without click: the run and its report, and a parser of plain command lines.

The click command (`cli.py`) and the console script's fast path (`coderunner.cli.main`) both end
in `execute()`, so they print the same and exit the same. `parse()` takes a plain command line:
the options below, each at most once, values in range, one SOURCE. Whatever else (--help, a
usage error, an unusual spelling) it leaves to click, which answers as it always has. Neither
path imports pydantic: the settings come from `coderunner.sandbox_settings`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, NoReturn

from coderunner import sandbox_settings

from . import get_sandbox
from .languages import Language, UnknownLanguageError, get_language
from .result import RunResult
from .runner import SandboxConfig, SandboxUnavailableError

EXIT_PLATFORM_FAILURE = 1
EXIT_USAGE = 2
DEFAULT_LANGUAGE = "python"
MIN_TIME_LIMIT_S = 0.01
MIN_MEMORY_MB = 8
# option -> ExecArgs field; the click command declares the same (tests/sandbox/test_exec_cli.py)
VALUE_OPTIONS = {
    "--language": "language",
    "--stdin": "stdin",
    "--time-limit": "time_limit",
    "--memory-limit": "memory_limit",
}
FLAG_OPTIONS = {"--json": "as_json"}


@dataclass(frozen=True, slots=True)
class ExecArgs:
    source: str
    language: str = DEFAULT_LANGUAGE
    stdin: str | None = None
    time_limit: float | None = None
    memory_limit: int | None = None
    as_json: bool = False


def _options(argv: list[str]) -> tuple[dict[str, str | bool], list[str]] | None:
    """Options by ExecArgs field and the arguments, or None for anything but the plain form."""
    found: dict[str, str | bool] = {}
    arguments: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "-" or not word.startswith("-"):
            arguments.append(word)
            continue
        name, equals, inline = word.partition("=")
        value: str | bool | None
        if name in FLAG_OPTIONS and not equals:
            field, value = FLAG_OPTIONS[name], True
        elif name in VALUE_OPTIONS:
            field, value = VALUE_OPTIONS[name], inline if equals else next(words, None)
            if value is None or value.startswith("-"):
                return None
        else:
            return None  # --help, --, an unknown option: click's to answer
        if field in found:
            return None
        found[field] = value
    return found, arguments


def parse(argv: list[str]) -> ExecArgs | None:
    """`coderunner exec ARGV` as ExecArgs, or None when click should answer it."""
    parsed = _options(argv)
    if parsed is None or len(parsed[1]) != 1:
        return None
    found, (source,) = parsed
    language, stdin = found.get("language", DEFAULT_LANGUAGE), found.get("stdin")
    time_limit: float | None = None
    memory_limit: int | None = None
    try:
        if "time_limit" in found:
            time_limit = float(str(found["time_limit"]))
        if "memory_limit" in found:
            memory_limit = int(str(found["memory_limit"]))
    except ValueError:
        return None
    if time_limit is not None and not (
        math.isfinite(time_limit) and time_limit >= MIN_TIME_LIMIT_S
    ):
        return None
    if memory_limit is not None and memory_limit < MIN_MEMORY_MB:
        return None
    return ExecArgs(
        source=source,
        language=str(language),
        stdin=None if stdin is None else str(stdin),
        time_limit=time_limit,
        memory_limit=memory_limit,
        as_json="as_json" in found,
    )


def _open(path: str) -> BinaryIO:
    return sys.stdin.buffer if path == "-" else open(path, "rb")


@contextlib.contextmanager
def _ending_as_click_does() -> Iterator[None]:
    """An interrupt or a closed pipe ends the process as click's `main` ends it."""
    try:
        yield
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        # nothing more can be written: keep the flush at exit quiet
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())
        sys.exit(1)


def run_plain(argv: list[str]) -> None:
    """Run `coderunner exec ARGV` and exit; return when click should answer instead."""
    args = parse(argv)
    if args is None:
        return
    try:
        language = get_language(args.language)
    except UnknownLanguageError:
        return
    try:
        source = _open(args.source)
        stdin = None if args.stdin is None else _open(args.stdin)
    except OSError:
        return
    with _ending_as_click_does():
        code = source.read()
        given = b"" if stdin is None else stdin.read()
        execute(language, code, given, args.time_limit, args.memory_limit, args.as_json)
    sys.exit(0)


def execute(
    language: Language,
    code: bytes,
    stdin: bytes,
    time_limit: float | None,
    memory_limit: int | None,
    as_json: bool,
) -> None:
    """Run `code` in the sandbox and report the verdict (exit 1 if the platform failed)."""
    try:
        settings = sandbox_settings.read()
    except sandbox_settings.ConfigError as exc:
        print(f"Error: {exc}", file=sys.stderr, flush=True)
        sys.exit(EXIT_USAGE)
    try:
        # a self-test passed earlier in this boot under the same policy is trusted (root only)
        sandbox = get_sandbox(SandboxConfig.from_settings(settings), reuse_selftest=True)
    except SandboxUnavailableError as exc:
        fail(str(exc), as_json)
    limits = sandbox.config.default_limits.with_overrides(
        wall_time_s=time_limit, cpu_time_s=time_limit, memory_mb=memory_limit
    )
    result = sandbox.run(code, language.key, stdin, language.limits(limits))
    report(result, as_json)
    if result.internal_reason is not None:
        sys.exit(EXIT_PLATFORM_FAILURE)


def report(result: RunResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_dict()), flush=True)
        return
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    print(
        f"--- {result.verdict} exit={result.exit_code} signal={result.signal} "
        f"cpu={result.time_ms}ms wall={result.wall_ms}ms mem={result.memory_kb}KB"
        + (" (output truncated)" if result.truncated else ""),
        file=sys.stderr,
        flush=True,
    )


def fail(message: str, as_json: bool) -> NoReturn:
    """The sandbox cannot run code here: say why, exit 1."""
    if as_json:
        print(
            json.dumps({"error": {"code": "SANDBOX_UNAVAILABLE", "message": message}}), flush=True
        )
    else:
        print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(EXIT_PLATFORM_FAILURE)
