"""A learner's program behaves in the sandbox as under a bare `python3 main.py` on a normal
machine: the same output on every run, the standard library's system data, an invisible boot
wrapper, warnings shown, and a clear word when it tries to run another program."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from coderunner.sandbox import Limits, RunResult, Sandbox, Verdict

pytestmark = pytest.mark.sandbox


def both(sandbox: Sandbox, code: str, stdin: str = "") -> list[RunResult]:
    """The program as a single run (Run) and as two graded inputs (Submit)."""
    graded = sandbox.run_batch(code, "python", [stdin, stdin], Limits())
    return [sandbox.run(code, stdin=stdin), *graded]


def test_set_order_is_the_same_on_every_run_and_in_grading(sandbox: Sandbox) -> None:
    code = 'print(set("hello"), {str(i): i for i in range(5)}.keys() & {"1", "3"}, hash("a"))'
    outputs = {r.stdout for _ in range(3) for r in both(sandbox, code)}
    assert len(outputs) == 1, outputs


def test_time_zones_work(sandbox: Sandbox) -> None:
    code = """
import datetime, zoneinfo
when = datetime.datetime(2024, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
print(when.utcoffset(), when.astimezone(zoneinfo.ZoneInfo("America/New_York")).hour)
"""
    for result in both(sandbox, code):
        assert (result.verdict, result.stdout) == (Verdict.OK, "2:00:00 6\n"), result.stderr


def test_the_c_utf8_locale_exists(sandbox: Sandbox) -> None:
    code = """
import locale
print(locale.setlocale(locale.LC_ALL, "C.UTF-8"), locale.getpreferredencoding(False))
"""
    for result in both(sandbox, code):
        assert result.stdout == "C.UTF-8 UTF-8\n", result.stderr


def test_the_user_has_a_name_and_a_home(sandbox: Sandbox) -> None:
    code = """
import getpass, grp, os, pwd
print(getpass.getuser(), os.path.expanduser("~"), grp.getgrgid(os.getgid()).gr_name)
"""
    for result in both(sandbox, code):
        assert result.stdout == "learner /tmp learner\n", result.stderr


def test_passwd_is_the_sandboxs_own(sandbox: Sandbox) -> None:
    result = sandbox.run("print(open('/etc/passwd').read())")
    assert [line.split(":")[0] for line in result.stdout.split()] == ["root", "learner"]


def test_compile_warnings_show_in_grading_as_in_a_run(sandbox: Sandbox) -> None:
    code = "x = int(input())\nprint(x is 1)\n"
    results = both(sandbox, code, "1")
    assert "SyntaxWarning" in results[0].stderr
    assert [r.stderr for r in results[1:]] == [results[0].stderr] * 2
    assert all(r.stdout == "True\n" for r in results)


_MODULE = """
import sys
print(sorted(globals()), type(__builtins__).__name__, type(__loader__).__name__, __spec__,
      __package__, __cached__, __name__)
def down(n):
    try:
        return down(n + 1)
    except RecursionError:
        return n
print(down(0), sys.getrecursionlimit() - down(0))
"""


def test_the_boot_wrapper_is_invisible(sandbox: Sandbox, tmp_path: Path) -> None:
    # our own test program under the learners' interpreter on the host: the reference
    script = tmp_path / "main.py"
    script.write_text(_MODULE)
    bare = subprocess.run(
        ["/usr/bin/python3.11", "-s", "-S", str(script)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    expected_depth = bare.splitlines()[1]
    for result in both(sandbox, _MODULE):
        first, depth = result.stdout.splitlines()
        assert first == bare.splitlines()[0], result.stderr
        # the wrapper raises the limit by its own frames: the learner's depth is bare Python's
        assert depth.split()[0] == expected_depth.split()[0]


def test_os_system_explains_itself(sandbox: Sandbox) -> None:
    code = """
import os, subprocess
print(os.system("ls"))
try:
    subprocess.run(["ls"])
except FileNotFoundError as exc:
    print("no", exc.filename)
"""
    for result in both(sandbox, code):
        assert result.stdout == "32512\nno ls\n"
        assert "no shell" in result.stderr


def test_the_programs_garbage_is_collected_and_deleted_at_exit(sandbox: Sandbox) -> None:
    """The init freezes start-up's objects before the fork: the program's own are still
    collected, cycles and all, and their __del__ still runs when the program ends, in a graded
    run too (whose harness ends each input's process itself)."""
    code = """
import gc, weakref
class Node:
    def __del__(self):
        print("bye", self.name)
loop = Node(); loop.name = "loop"; loop.me = loop
seen = weakref.ref(loop)
del loop
print(gc.collect() > 0, seen() is None)
last = Node(); last.name = "last"
"""
    for result in both(sandbox, code):  # graded runs too: Run and Submit print the same
        assert (result.verdict, result.stdout) == (Verdict.OK, "bye loop\nTrue True\nbye last\n")


def test_the_sandbox_freezes_its_own_objects_before_the_program_forks(sandbox: Sandbox) -> None:
    """Single and graded runs alike start with the init's (or harness's) objects frozen: the
    program's collections do not touch the pages it shares with them (a copy per page)."""
    for result in both(sandbox, "import gc\nprint(gc.get_freeze_count() > 1000)"):
        assert (result.verdict, result.stdout) == (Verdict.OK, "True\n")
