"""The console script: `coderunner exec` parses a plain command line itself, without click, and
leaves the rest to click; both ways print and exit the same.

The sandboxed runs are in tests/sandbox/test_exec_cli.py.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import click
import pytest

from coderunner.sandbox.cli import exec_command
from coderunner.sandbox.execute import (
    DEFAULT_LANGUAGE,
    FLAG_OPTIONS,
    MIN_MEMORY_MB,
    MIN_TIME_LIMIT_S,
    VALUE_OPTIONS,
    ExecArgs,
    parse,
)
from coderunner.sandbox_settings import FIELDS
from tests.support.exec_probe import never_on_exec, run_exec
from tests.support.serve import CODERUNNER


def test_a_plain_command_line_is_parsed() -> None:
    assert parse(["p.py"]) == ExecArgs(source="p.py")
    assert parse(["-"]) == ExecArgs(source="-")
    assert parse(
        ["--json", "--stdin", "in.txt", "p.js", "--language=javascript", "--time-limit", "1.5"]
    ) == ExecArgs(
        source="p.js", language="javascript", stdin="in.txt", time_limit=1.5, as_json=True
    )
    assert parse(["--memory-limit=64", "--time-limit=0.01", "p.py"]) == ExecArgs(
        source="p.py", time_limit=0.01, memory_limit=64
    )


@pytest.mark.parametrize(
    "argv",
    [
        [],  # Missing argument 'SOURCE'
        ["a.py", "b.py"],  # Got unexpected extra argument
        ["--help"],
        ["-h", "p.py"],
        ["--", "p.py"],
        ["--jsn", "p.py"],  # No such option
        ["--json=yes", "p.py"],
        ["p.py", "--language"],  # needs an argument
        ["p.py", "--stdin", "-"],  # a value like an option: click decides what it means
        ["p.py", "--time-limit", "-1"],
        ["p.py", "--time-limit", "0"],  # out of range
        ["p.py", "--time-limit", "0.009"],
        ["p.py", "--time-limit", "fast"],
        ["p.py", "--time-limit", "nan"],
        ["p.py", "--time-limit", "inf"],
        ["p.py", "--memory-limit", "7"],
        ["p.py", "--memory-limit", "8.0"],
        ["p.py", "--json", "--json"],  # twice: click's rule, not ours
        ["p.py", "--language", "python", "--language=java"],
    ],
)
def test_anything_but_a_plain_command_line_is_left_to_click(argv: list[str]) -> None:
    assert parse(argv) is None


def test_the_parser_takes_the_options_the_click_command_declares() -> None:
    options = {
        param.opts[0]: param for param in exec_command.params if isinstance(param, click.Option)
    }
    assert set(options) == set(VALUE_OPTIONS) | set(FLAG_OPTIONS)
    assert all(len(option.opts) == 1 and not option.secondary_opts for option in options.values())
    assert {name for name, option in options.items() if option.is_flag} == set(FLAG_OPTIONS)
    assert options["--language"].default == DEFAULT_LANGUAGE
    time_limit, memory_limit = options["--time-limit"].type, options["--memory-limit"].type
    assert isinstance(time_limit, click.FloatRange)
    assert isinstance(memory_limit, click.IntRange)
    assert (time_limit.min, time_limit.max, time_limit.min_open) == (MIN_TIME_LIMIT_S, None, False)
    assert (memory_limit.min, memory_limit.max, memory_limit.min_open) == (
        MIN_MEMORY_MB,
        None,
        False,
    )
    arguments = [param for param in exec_command.params if isinstance(param, click.Argument)]
    assert [(a.name, a.nargs) for a in arguments] == [("source", 1)]


def _coderunner(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    quiet = {k: v for k, v in os.environ.items() if k.lower() not in _SANDBOX_NAMES}
    return subprocess.run(
        [CODERUNNER, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**quiet, **env},
        stdin=subprocess.DEVNULL,
        check=False,
    )


_SANDBOX_NAMES = {spec.env.lower() for spec in FIELDS.values()} | set(FIELDS)


def test_a_bad_setting_is_a_usage_error_both_ways(tmp_path: Path) -> None:
    source = tmp_path / "p.py"
    source.write_text("print(1)\n")
    bad = {"CODERUNNER_SANDBOX_UID": "lots", "sandbox_cpu_cores": "0"}
    plain = _coderunner("exec", str(source), **bad)
    by_click = _coderunner("exec", "--", str(source), **bad)  # `--`: the parser leaves it to click
    expected = (
        "Error: invalid configuration:\n"
        "  CODERUNNER_SANDBOX_UID: Input should be a valid integer, unable to parse string as an "
        "integer (got 'lots')\n"
        "  CODERUNNER_SANDBOX_CPU_CORES: Input should be greater than 0 (got '0')\n"
    )
    assert (plain.returncode, plain.stdout, plain.stderr) == (2, "", expected)
    assert (by_click.returncode, by_click.stdout, by_click.stderr) == (2, "", expected)


def test_help_and_usage_errors_are_clicks(tmp_path: Path) -> None:
    source = tmp_path / "p.py"
    source.write_text("print(1)\n")
    helped = _coderunner("exec", "--help")
    assert helped.returncode == 0
    assert helped.stdout.startswith("Usage: coderunner exec [OPTIONS] SOURCE\n")
    assert "--memory-limit INTEGER RANGE" in helped.stdout
    for args, error in [
        ((), "Error: Missing argument 'SOURCE'."),
        ((str(source), "--time-limit", "0"), "0 is not in the range x>=0.01."),
        ((str(tmp_path / "none.py"),), "'SOURCE': "),
        ((str(source), "--language", "cobol"), "unknown language 'cobol'; available: "),
    ]:
        failed = _coderunner("exec", *args)
        assert failed.returncode == 2, failed.stderr
        assert "Usage: coderunner exec [OPTIONS] SOURCE" in failed.stderr
        assert error in failed.stderr


@pytest.mark.parametrize("as_json", [False, True])
def test_exec_imports_no_click_pydantic_or_web_even_to_fail(tmp_path: Path, as_json: bool) -> None:
    # no bubblewrap at that path: the call parses, reads its settings, builds the sandbox and
    # fails there, importing what a run imports (tests/sandbox/test_exec_cli.py runs one)
    source = tmp_path / "p.py"
    source.write_text("print(1)\n")
    env = {"PATH": "/usr/bin:/bin", "CODERUNNER_BWRAP": str(tmp_path / "no-bwrap")}
    args = [str(source), *(["--json"] if as_json else [])]
    done, imported = run_exec(tmp_path, "main", args, env)
    message = f"bubblewrap not found at {tmp_path / 'no-bwrap'}"
    assert done.returncode == 1
    if as_json:
        assert json.loads(done.stdout)["error"]["code"] == "SANDBOX_UNAVAILABLE"
        assert message in json.loads(done.stdout)["error"]["message"]
    else:
        assert done.stderr.startswith(f"error: {message}")
    assert "coderunner.sandbox.runner" in imported
    assert never_on_exec(imported) == []
