"""`coderunner exec` in the real sandbox: a plain command line runs without click, pydantic or
the web stack, and prints what the click command prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from coderunner.sandbox import Sandbox
from tests.support.uids import Purpose, sandbox_env

# the console script's `main`, with the self-test record in a scratch file (not the host's) and,
# at exit, the names of every module the call imported written to a file
WRAPPER = """
import atexit, sys
from pathlib import Path

record, modules, how = sys.argv[1:4]
sys.argv = ["coderunner", *sys.argv[4:]]
import coderunner.sandbox.selftest_cache as cache

cache.CACHE_PATH = Path(record)
atexit.register(lambda: Path(modules).write_text("\\n".join(sorted(sys.modules))))
if how == "main":
    from coderunner.cli import main

    main()
else:  # the click command itself
    from coderunner.commands import cli

    cli()
"""
NEVER_ON_EXEC = (
    "click",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "fastapi",
    "starlette",
    "sqlalchemy",
    "redis",
    "coderunner.config",
    "coderunner.commands",
    "importlib.metadata",
)


def _exec(
    tmp_path: Path, how: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    record, modules = tmp_path / "run" / "selftest", tmp_path / f"modules-{how}"
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(record), str(modules), how, "exec", *args],
        capture_output=True,
        text=True,
        # its own uids; the first call runs the self-test, which takes a while on a busy host
        env={**sandbox_env(Purpose.OTHER_SERVER), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    return done, set(modules.read_text().split())


def _without_timings(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in {"timeMs", "wallMs", "memoryKb"}}


def test_exec_runs_without_click_pydantic_or_the_web(sandbox: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "p.py"
    source.write_text("print(input()[::-1])\nimport sys; print('note', file=sys.stderr)\n")
    given = tmp_path / "in.txt"
    given.write_text("olleh\n")
    plain, imported = _exec(tmp_path, "main", str(source), "--stdin", str(given), "--json")
    assert plain.returncode == 0, plain.stderr
    report = json.loads(plain.stdout)
    assert (report["verdict"], report["stdout"], report["stderr"]) == ("OK", "hello\n", "note\n")
    assert "coderunner.sandbox.runner" in imported  # the run happened in this process
    loaded = sorted(
        name
        for name in imported
        for never in NEVER_ON_EXEC
        if name == never or name.startswith(never + ".")
    )
    assert loaded == []

    by_click, imported = _exec(tmp_path, "click", str(source), "--stdin", str(given), "--json")
    assert by_click.returncode == 0, by_click.stderr
    assert "click" in imported  # the other way indeed
    assert _without_timings(json.loads(by_click.stdout)) == _without_timings(report)


def test_exec_prints_the_same_as_the_click_command(sandbox: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "p.py"
    source.write_text("import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)\n")
    outputs = []
    for how in ("main", "click"):
        done, _ = _exec(tmp_path, how, "--time-limit", "2", str(source), "--memory-limit=64")
        assert done.returncode == 0, done.stderr
        summary = done.stderr.splitlines()[-1]
        assert summary.startswith("--- RUNTIME_ERROR exit=3 signal=None cpu="), done.stderr
        outputs.append((done.stdout, done.stderr.splitlines()[:-1], summary.split(" cpu=")[0]))
    assert outputs[0] == outputs[1] == ("out\n", ["err"], "--- RUNTIME_ERROR exit=3 signal=None")
