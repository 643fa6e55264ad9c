"""Grading many inputs in one sandbox (`run_batch`): same verdicts as single runs, no state or
input passing between runs, and a harness the learner's code can neither read nor forge."""

from __future__ import annotations

import pytest

from coderunner.sandbox import Sandbox, Verdict

from .conftest import batch

pytestmark = pytest.mark.sandbox


def test_each_input_gets_its_own_output(sandbox: Sandbox) -> None:
    results = batch(sandbox, "print(input()[::-1])", ["abc", "hello", "x"])
    assert [r.stdout for r in results] == ["cba\n", "olleh\n", "x\n"]
    assert all(r.verdict is Verdict.OK for r in results)
    assert all(r.memory_kb > 0 for r in results)


def test_batch_results_match_single_runs(sandbox: Sandbox) -> None:
    code = """
import sys
n = int(input())
if n == 0:
    print(1 / n)
elif n == 3:
    sys.exit(3)
print(n * 2)
"""
    stdins = ["1", "0", "3", "x"]
    batched = batch(sandbox, code, stdins)
    single = [sandbox.run(code, stdin=s) for s in stdins]
    for b, s in zip(batched, single, strict=True):
        assert (b.verdict, b.exit_code, b.signal, b.stdout, b.stderr) == (
            s.verdict,
            s.exit_code,
            s.signal,
            s.stdout,
            s.stderr,
        )
    assert "/usr/lib/coderunner" not in batched[1].stderr  # tracebacks never show the harness


def test_syntax_error_is_reported_for_every_input(sandbox: Sandbox) -> None:
    results = batch(sandbox, "def broken(:\n    pass", ["a", "b"])
    assert all(r.verdict is Verdict.RUNTIME_ERROR for r in results)
    assert all("SyntaxError" in r.stderr for r in results)


def test_module_state_does_not_carry_over(sandbox: Sandbox) -> None:
    code = """
import builtins, sys
count = getattr(builtins, "seen", 0)
builtins.seen = count + 1
sys.modules.setdefault("marker", sys)
print(count, "marker" in sys.modules and sys.modules["marker"] is sys)
"""
    results = batch(sandbox, code, ["", "", ""])
    assert [r.stdout for r in results] == ["0 True\n"] * 3


def test_files_do_not_carry_over(sandbox: Sandbox) -> None:
    code = """
import os
print(sorted(os.listdir("/tmp")), sorted(os.listdir("/dev/shm")))
open("/tmp/left-behind", "w").write("x")
open("/dev/shm/left-behind", "w").write("x")
os.makedirs("/tmp/locked/deep")
os.chmod("/tmp/locked", 0)
"""
    results = batch(sandbox, code, ["", "", ""])
    assert [r.stdout for r in results] == ["[] []\n"] * 3


def test_daemons_do_not_survive_into_the_next_input(sandbox: Sandbox) -> None:
    code = """
import os, time
print(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()).__len__())
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(30)
    os._exit(0)
"""
    results = batch(sandbox, code, ["", "", ""], wall_time_s=3)
    counts = [int(r.stdout) for r in results]
    assert counts[0] == counts[1] == counts[2]  # bwrap init, harness, the run itself


def test_a_later_input_is_never_inside_the_sandbox_early(sandbox: Sandbox) -> None:
    code = """
import os
ppid = os.getppid()
found = []
for what in ["fd/0", "fd/1", "mem", "environ"]:
    try:
        open(f"/proc/{ppid}/{what}", "rb").read(100)
        found.append(what)
    except OSError:
        pass
print(input(), found)
"""
    results = batch(sandbox, code, ["first", "SECRET-HIDDEN-INPUT"])
    assert results[0].stdout == "first []\n"
    assert "SECRET" not in results[0].stdout
    assert results[1].stdout == "SECRET-HIDDEN-INPUT []\n"


def test_time_limit_applies_per_input(sandbox: Sandbox) -> None:
    code = "if input() == 'spin':\n    while True: pass\nprint('ok')"
    results = batch(sandbox, code, ["a", "spin", "b"], wall_time_s=1.0, cpu_time_s=1.0)
    assert [r.verdict for r in results] == [
        Verdict.OK,
        Verdict.TIME_LIMIT_EXCEEDED,
        Verdict.OK,
    ]
    assert results[2].stdout == "ok\n"


def test_memory_limit_applies_per_input(sandbox: Sandbox) -> None:
    code = "if input() == 'big':\n    x = bytearray(200 * 2**20)\nprint('ok')"
    results = batch(sandbox, code, ["a", "big", "b"], memory_mb=64)
    assert [r.verdict for r in results] == [
        Verdict.OK,
        Verdict.MEMORY_LIMIT_EXCEEDED,
        Verdict.OK,
    ]


def test_memory_bomb_with_touching_pages_is_mle_for_that_input_only(sandbox: Sandbox) -> None:
    code = """
if input() == 'big':
    chunks = []
    while True:
        chunks.append(bytearray(4 * 2**20))
print('ok')
"""
    results = batch(sandbox, code, ["big", "a"], memory_mb=48)
    assert results[0].verdict is Verdict.MEMORY_LIMIT_EXCEEDED
    assert results[1].verdict is Verdict.OK


def test_under_memory_pressure_the_input_dies_not_the_harness(sandbox: Sandbox) -> None:
    """Each input's process is the kernel's first choice to kill, before the harness."""
    code = "print(open('/proc/self/oom_score_adj').read())"
    results = batch(sandbox, code, ["", ""])
    assert [r.stdout for r in results] == ["1000\n\n", "1000\n\n"]


def test_output_limit_applies_per_input(sandbox: Sandbox) -> None:
    code = "if input() == 'flood':\n    while True: print('x' * 100)\nprint('ok')"
    results = batch(sandbox, code, ["flood", "a"], output_kb=4)
    assert results[0].verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert results[0].truncated
    assert results[1].stdout == "ok\n"


def test_killing_the_harness_only_costs_speed(sandbox: Sandbox) -> None:
    code = """
import os, signal
if input() == 'kill':
    os.kill(-1, signal.SIGKILL)
print('ok')
"""
    results = batch(sandbox, code, ["a", "kill", "b"])
    alone = sandbox.run(code, stdin="kill")  # alone, kill(-1) finds nobody to signal
    assert alone.verdict is Verdict.RUNTIME_ERROR
    assert "ProcessLookupError" in alone.stderr
    assert (results[1].verdict, results[1].stderr) == (alone.verdict, alone.stderr)
    assert [results[0].stdout, results[2].stdout] == ["ok\n", "ok\n"]


def test_exit_quit_threads_and_atexit_behave_like_a_normal_run(sandbox: Sandbox) -> None:
    code = """
import atexit, threading, time
atexit.register(print, "bye")
def late():
    time.sleep(0.1)
    print("thread done")
threading.Thread(target=late).start()
if input() == "quit":
    quit()
print("main done")
"""
    results = batch(sandbox, code, ["go", "quit"])
    assert results[0].stdout == "main done\nthread done\nbye\n"
    assert results[1].stdout == "thread done\nbye\n"
    assert all(r.exit_code == 0 for r in results)


def test_harness_refuses_to_run_outside_the_sandbox(tmp_path: object) -> None:
    import subprocess
    from pathlib import Path

    harness = Path(__file__).parents[2] / "src/coderunner/sandbox/guest/batch.py"
    done = subprocess.run(
        ["/usr/bin/python3", "-I", "-S", str(harness), "/dev/null", "1", "10"],
        input=b"1\nx",
        capture_output=True,
        timeout=120,  # it refuses at once; a loaded host may take long to start a Python
    )
    assert done.returncode != 0
    assert b"only inside the sandbox" in done.stderr
