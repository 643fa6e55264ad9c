"""Attacks on the sandbox's resource limits: processes, memory, CPU, time, disk, files."""

from __future__ import annotations

import pytest

from coderunner.sandbox import Limits, Sandbox, Verdict

pytestmark = pytest.mark.sandbox

FAST = Limits(wall_time_s=2.0, cpu_time_s=2.0)


def test_fork_bomb_is_contained_by_the_pids_cap(sandbox: Sandbox) -> None:
    code = """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
"""
    result = sandbox.run(code, limits=Limits(wall_time_s=1.5, cpu_time_s=1.5, max_processes=32))
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED
    assert result.wall_ms < 4000


def test_fork_failure_surfaces_as_a_runtime_error(sandbox: Sandbox) -> None:
    code = """
import os, time
for _ in range(100):
    if os.fork() == 0:
        time.sleep(30)
"""
    result = sandbox.run(code, limits=Limits(max_processes=10, wall_time_s=3))
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "BlockingIOError" in result.stderr or "Resource temporarily" in result.stderr


def test_daemon_that_double_forks_and_setsids_dies_with_the_run(sandbox: Sandbox) -> None:
    code = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.close(1); os.close(2)
        time.sleep(60)
    os._exit(0)
print("parent done")
"""
    result = sandbox.run(code, limits=FAST)
    assert result.verdict is Verdict.OK
    assert result.stdout == "parent done\n"
    assert result.wall_ms < 2000  # the run ended with its main process, not with the daemon
    # host_stays_clean asserts that no process of the sandbox uid is left


def test_memory_bomb_is_memory_limit_exceeded(sandbox: Sandbox) -> None:
    code = "chunks = []\nwhile True:\n    chunks.append(bytearray(8 * 2**20))\n"
    result = sandbox.run(code, limits=Limits(memory_mb=64))
    assert result.verdict is Verdict.MEMORY_LIMIT_EXCEEDED
    assert result.memory_kb <= 64 * 1024 + 1024


def test_memory_split_across_children_counts_together(sandbox: Sandbox) -> None:
    code = """
import os, time
pids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = bytearray(30 * 2**20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(3)
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
"""
    result = sandbox.run(code, limits=Limits(memory_mb=64, wall_time_s=5))
    assert result.verdict is Verdict.MEMORY_LIMIT_EXCEEDED


def test_huge_single_allocation_is_memory_limit_exceeded(sandbox: Sandbox) -> None:
    result = sandbox.run("x = bytearray(2**40)")
    assert result.verdict is Verdict.MEMORY_LIMIT_EXCEEDED


def test_cpu_spin_is_time_limit_exceeded(sandbox: Sandbox) -> None:
    result = sandbox.run("while True: pass", limits=Limits(wall_time_s=1.0, cpu_time_s=1.0))
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED
    assert 900 <= result.wall_ms < 2500


def test_sleep_is_stopped_at_the_wall_clock_backstop(sandbox: Sandbox) -> None:
    limits = Limits(wall_time_s=1.0, cpu_time_s=1.0)
    result = sandbox.run("import time\ntime.sleep(60)", limits=limits)
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED
    assert result.time_ms < 500  # it slept: little CPU
    # the time limit is CPU time; a sleeper ends at the backstop, 2 x 1 s + 1 s of wall clock
    assert sandbox.config.wall_clock_s(limits) == 3.0
    assert 3000 <= result.wall_ms < 30_000


def test_cpu_quota_limits_burning_threads(sandbox: Sandbox) -> None:
    code = """
import threading
def burn():
    while True:
        pass
for _ in range(4):
    threading.Thread(target=burn, daemon=True).start()
burn()
"""
    limits = Limits(wall_time_s=1.0, cpu_time_s=1.0, cpu_cores=0.5)
    result = sandbox.run(code, limits=limits)
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED
    assert result.time_ms < 1600
    # at 0.5 core, 1 s of CPU takes at least ~2 s of wall time, however many threads burn
    assert result.wall_ms >= 1800


def test_cpu_time_limit_applies_to_the_sum_of_processes(sandbox: Sandbox) -> None:
    code = """
import os
for _ in range(3):
    if os.fork() == 0:
        break
while True:
    pass
"""
    limits = Limits(wall_time_s=10.0, cpu_time_s=1.0, cpu_cores=1.0)
    result = sandbox.run(code, limits=limits)
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED
    assert result.wall_ms < 3000


def test_filling_tmp_hits_the_tmpfs_cap(sandbox: Sandbox) -> None:
    code = """
written = 0
try:
    with open("/tmp/fill", "wb") as f:
        while True:
            f.write(b"x" * 2**20)
            written += 1
except OSError as exc:
    print("stopped", exc.errno, written)
"""
    result = sandbox.run(code, limits=Limits(tmpfs_mb=8, file_size_mb=50, memory_mb=128))
    assert result.verdict is Verdict.OK
    stopped, errno_, megabytes = result.stdout.split()
    assert stopped == "stopped"
    assert errno_ == "28"  # ENOSPC
    assert int(megabytes) <= 8


def test_file_size_rlimit_stops_one_big_file(sandbox: Sandbox) -> None:
    code = """
try:
    with open("/tmp/big", "wb") as f:
        f.write(b"x" * (5 * 2**20))
except OSError as exc:
    print("refused", exc.errno)
"""
    result = sandbox.run(code, limits=Limits(file_size_mb=1))
    assert result.stdout.strip() == "refused 27"  # EFBIG


def test_sparse_file_cannot_claim_huge_sizes(sandbox: Sandbox) -> None:
    code = """
try:
    with open("/tmp/sparse", "wb") as f:
        f.truncate(10 * 2**30)
    print("created")
except OSError as exc:
    print("refused", exc.errno)
"""
    result = sandbox.run(code)
    assert result.stdout.strip() == "refused 27"


def test_many_small_files_stay_inside_the_run(sandbox: Sandbox) -> None:
    code = """
import os
n = 0
try:
    while n < 200000:
        open(f"/tmp/f{n}", "w").close()
        n += 1
except OSError as exc:
    print("stopped", exc.errno)
print("files", n)
"""
    result = sandbox.run(code, limits=Limits(wall_time_s=3, cpu_time_s=3, memory_mb=64))
    assert result.verdict in {
        Verdict.OK,
        Verdict.TIME_LIMIT_EXCEEDED,
        Verdict.MEMORY_LIMIT_EXCEEDED,
    }


def test_file_descriptor_exhaustion_is_bounded(sandbox: Sandbox) -> None:
    code = """
import os
fds = []
try:
    while True:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as exc:
    print(exc.errno, len(fds))
"""
    result = sandbox.run(code, limits=Limits(open_files=32))
    errno_, count = result.stdout.split()
    assert errno_ == "24"  # EMFILE
    assert int(count) < 32


def test_recursion_is_a_runtime_error(sandbox: Sandbox) -> None:
    result = sandbox.run("def f(n):\n    return f(n + 1)\nf(0)")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "RecursionError" in result.stderr


def test_unbounded_recursion_crash_is_reported_with_its_signal(sandbox: Sandbox) -> None:
    code = "import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return f(n + 1)\nf(0)"
    result = sandbox.run(code)
    assert result.verdict in {Verdict.RUNTIME_ERROR, Verdict.MEMORY_LIMIT_EXCEEDED}
    if result.verdict is Verdict.RUNTIME_ERROR:
        assert result.signal == 11


def test_limits_are_capped_by_server_maxima(sandbox: Sandbox) -> None:
    greedy = Limits(memory_mb=100_000, wall_time_s=10_000, max_processes=100_000)
    lang = sandbox.config.languages["python"]
    effective = sandbox.resolve_limits(lang, greedy)
    assert effective.memory_mb == sandbox.config.maxima.memory_mb
    assert effective.wall_time_s == sandbox.config.maxima.wall_time_s
    assert effective.max_processes == sandbox.config.maxima.max_processes


def test_no_leftovers_after_many_runs(sandbox: Sandbox) -> None:
    for i in range(30):
        code = "import os\nif os.fork() == 0:\n    import time; time.sleep(30)\nprint(1)"
        assert sandbox.run(code).verdict is Verdict.OK, i
