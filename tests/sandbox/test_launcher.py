"""The launcher process: concurrent runs, a launcher that dies, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from coderunner.sandbox import Sandbox, SandboxConfig, Verdict, build_sandbox
from coderunner.sandbox.cgroups import CgroupV1
from coderunner.sandbox.spawner_client import SpawnRequest

from .conftest import processes_of

pytestmark = pytest.mark.sandbox


def test_concurrent_runs_from_many_threads_stay_apart(sandbox: Sandbox) -> None:
    def one(i: int) -> tuple[int, str, Verdict]:
        result = sandbox.run("import os\nprint(input(), len(os.listdir('/tmp')))", stdin=str(i))
        open_tmp = "import os\nopen(f'/tmp/{input()}', 'w')"
        sandbox.run(open_tmp, stdin=str(i))
        return i, result.stdout, result.verdict

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(24)))
    for i, stdout, verdict in results:
        assert verdict is Verdict.OK
        assert stdout == f"{i} 0\n"


def test_a_dead_launcher_is_replaced(sandbox: Sandbox) -> None:
    assert sandbox.run("print(1)").verdict is Verdict.OK
    pid = sandbox.spawner.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.05)
    result = sandbox.run("print(2)")
    assert result.verdict is Verdict.OK
    assert result.stdout == "2\n"
    assert sandbox.spawner.pid not in {None, pid}
    # what the crashed launcher had not reaped yet is the host init's to reap now
    deadline = time.monotonic() + 30
    while processes_of(sandbox.uids.uids) and time.monotonic() < deadline:
        time.sleep(0.1)


def test_the_launcher_is_small_and_not_the_sandbox_uid(sandbox: Sandbox) -> None:
    sandbox.run("pass")
    pid = sandbox.spawner.pid
    text = Path(f"/proc/{pid}/status").read_text()
    status = dict(line.split(":", 1) for line in text.splitlines())
    assert int(status["Uid"].split()[0]) == os.getuid()
    assert int(status["VmRSS"].split()[0]) < 30_000  # kB: forking it stays cheap


SERVICE = """
import sys, threading, time
from coderunner.sandbox import SandboxConfig, build_sandbox
sandbox = build_sandbox(SandboxConfig(host_uid=int(sys.argv[1])))
threading.Thread(target=sandbox.run, args=("import time\\ntime.sleep(60)",), daemon=True).start()
time.sleep(60)
"""


def test_runs_die_with_a_killed_service_and_its_cgroups_are_swept(sandbox: Sandbox) -> None:
    uid = sandbox.config.host_uid + 50  # one uid (the service's first slot) of our range
    service = subprocess.Popen([sys.executable, "-c", SERVICE, str(uid)])
    try:
        deadline = time.monotonic() + 60  # a loaded host may take long to start a Python
        while not processes_of(uid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_of(uid), "the service's run never started"
    finally:
        service.kill()
        service.wait()
    deadline = time.monotonic() + 30  # the kernel kills them at once; reaping can lag on load
    while processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_of(uid) == [], "a run outlived the service that started it"
    stale = f"run-{service.pid}-"
    backend = sandbox.cgroups
    parents = backend.parents.values() if isinstance(backend, CgroupV1) else [backend.base]  # type: ignore[attr-defined]
    assert any(p.name.startswith(stale) for parent in parents for p in parent.iterdir())
    fresh = build_sandbox(SandboxConfig(host_uid=uid))  # a new service sweeps what is left
    fresh.close()
    assert not any(p.name.startswith(stale) for parent in parents for p in parent.iterdir())


def test_the_launcher_outlives_the_thread_that_started_it(sandbox: Sandbox) -> None:
    fresh = build_sandbox(SandboxConfig(host_uid=sandbox.config.host_uid))
    try:
        starter = threading.Thread(target=fresh.run, args=("pass",))
        starter.start()
        starter.join()  # a worker thread that ends (an executor shutting down)
        pid = fresh.spawner.pid
        time.sleep(0.1)
        result = fresh.run("print('still here')")
        assert result.verdict is Verdict.OK
        assert fresh.spawner.pid == pid
    finally:
        fresh.close()


def _zombie_children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        state, ppid = stat.rpartition(") ")[2].split()[:2] if stat else ("", "0")
        if state == "Z" and int(ppid) == parent:
            found.append(int(entry.name))
    return found


def test_runs_that_end_together_are_reaped_with_no_request_after_them(sandbox: Sandbox) -> None:
    """A SIGCHLD that lands while the launcher is between its handler and its next wait must
    not wait for the next request: a zombie would sit there until then. The window is a few
    microseconds, so bursts of exits aim many signals at it; reaping that stops altogether
    fails at once."""
    uid = sandbox.uids.uids[0]
    null = os.open("/dev/null", os.O_RDWR)
    try:
        for _ in range(15):
            at = time.time() + 0.3
            for i in range(20):
                sleep = f"import time; time.sleep(max(0, {at + i * 0.002} - time.time()))"
                sandbox.spawner.spawn(
                    SpawnRequest(
                        argv=[sys.executable, "-I", "-S", "-c", sleep],
                        env={},
                        uid=uid,
                        rlimits=[],
                        stdio=(null, null, null),
                        procs=[],
                        extras=[],
                    )
                )
            launcher = sandbox.spawner.pid
            assert launcher is not None
            deadline = time.monotonic() + 30  # a loaded host may start 20 Pythons slowly
            while (processes_of(uid) or _zombie_children(launcher)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert processes_of(uid) == [], "the burst's processes never ended"
            assert _zombie_children(launcher) == [], "the launcher left ended runs unreaped"
    finally:
        os.close(null)
