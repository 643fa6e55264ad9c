"""`coderunner exec` in the real sandbox: a plain command line runs without click, pydantic or
the web stack, and prints what the click command prints."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from coderunner.sandbox import Sandbox
from tests.support.exec_probe import never_on_exec, run_exec
from tests.support.uids import Purpose, sandbox_env


def _exec(
    tmp_path: Path, how: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    # its own uids (the self-test and the runs)
    env = {**sandbox_env(Purpose.OTHER_SERVER), "PATH": "/usr/bin:/bin"}
    return run_exec(tmp_path, how, list(args), env)


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
    assert never_on_exec(imported) == []

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
