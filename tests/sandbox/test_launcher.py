"""The launcher process: concurrent runs, a launcher that dies, nothing left behind."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from coderunner.sandbox import Sandbox, Verdict

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


def test_the_launcher_is_small_and_not_the_sandbox_uid(sandbox: Sandbox) -> None:
    sandbox.run("pass")
    pid = sandbox.spawner.pid
    text = Path(f"/proc/{pid}/status").read_text()
    status = dict(line.split(":", 1) for line in text.splitlines())
    assert int(status["Uid"].split()[0]) == os.getuid()
    assert int(status["VmRSS"].split()[0]) < 30_000  # kB: forking it stays cheap
