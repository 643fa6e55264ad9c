"""A host uid per concurrent run: per-user kernel limits are never shared by two learners."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from coderunner.sandbox import Limits, RunResult, Sandbox, Verdict
from coderunner.sandbox.uids import UidPool

from .conftest import processes_of

pytestmark = pytest.mark.sandbox

# holds 100 inotify instances (the kernel allows 128 per uid) while it sleeps
_HOLD_INOTIFY = """
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
made = [fd for fd in (libc.inotify_init1(0) for _ in range(100)) if fd >= 0]
print(len(made), flush=True)
time.sleep(60)
"""


def test_concurrent_runs_get_their_own_uid_and_per_user_limits(sandbox: Sandbox) -> None:
    limits = Limits(open_files=200, wall_time_s=20.0, cpu_time_s=5.0)
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(sandbox.run, _HOLD_INOTIFY, limits=limits) for _ in range(2)]
        # both runs alive at once, each under its own host uid: looked for until a run ends
        # (each lives 20 s), however slowly a loaded host starts them
        both = False
        while not both and not any(run.done() for run in runs):
            alive = [uid for uid in sandbox.uids.uids if processes_of(uid)]
            both = len(alive) == 2
            time.sleep(0.05)
        results: list[RunResult] = [run.result() for run in runs]
    assert both, "the two runs were never alive at the same time"
    for result in results:
        assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED  # the 20 s wall limit
        assert result.stdout == "100\n"  # 200 instances in all: more than one uid may hold


def test_the_pool_hands_out_each_uid_once_and_reuses_the_lowest() -> None:
    pool = UidPool(1000, 2)
    with pool.slot() as first:
        with pool.slot() as again:  # the same thread: the uid it holds
            assert again == first == pool.current() == 1000
        taken: list[int] = []
        other = threading.Thread(target=lambda: taken.append(_hold(pool)))
        other.start()
        other.join()
        assert taken == [1001]
    with pool.slot() as later:
        assert later == 1000


def _hold(pool: UidPool) -> int:
    with pool.slot() as uid:
        return uid
