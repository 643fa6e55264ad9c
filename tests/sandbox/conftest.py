"""Attack-suite fixtures: the real sandbox, and a check that each test left the host clean."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from coderunner.sandbox import Limits, RunResult, Sandbox, SandboxConfig, build_sandbox
from coderunner.sandbox.cgroups import CgroupV1, CgroupV2
from tests.support.uids import SLOTS, Purpose, sandbox_uid

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    if os.geteuid() != 0:
        pytest.fail("the sandbox attack suite needs root (cgroups); run it as CI does")
    # uids of this worker's own, so "no process of our uids" after a test is a per-worker fact
    config = SandboxConfig(host_uid=sandbox_uid(Purpose.ATTACK_SUITE), uid_slots=SLOTS)
    built = build_sandbox(config)
    yield built
    built.close()


OwnPool = Callable[..., Sandbox]


@pytest.fixture
def own_pool(sandbox: Sandbox) -> Iterator[OwnPool]:
    """Sandboxes of their own with a pool on, over the suite's uids (the suite's sandbox keeps
    none: its waiting sandboxes would outlive the tests); each is closed after the test, its
    pool drained, so the host-clean check then covers every pooled sandbox too.

    `make(config, limits, size, max_idle_s, batches, fill_s)`: the pool started under `limits`,
    and full within `fill_s` (None: not waited for)."""
    made: list[Sandbox] = []

    def make(
        config: SandboxConfig,
        limits: Limits,
        size: int = 1,
        max_idle_s: float = 3600.0,
        batches: bool = True,
        fill_s: float | None = 60.0,
    ) -> Sandbox:
        own = Sandbox(config, sandbox.cgroups)
        made.append(own)
        own.start_pool(size, max_idle_s, limits, batches)
        assert own.pool is not None
        if fill_s is not None:
            assert own.pool.wait_filled(fill_s), own.pool.stats
        return own

    yield make
    for own in made:
        own.close()


def processes_of(uid: int | range) -> list[int]:
    uids = range(uid, uid + 1) if isinstance(uid, int) else uid
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:") and int(line.split()[1]) in uids:
                found.append(int(entry.name))
    return found


def describe(pids: list[int]) -> list[str]:
    """Name, state and parent of each pid, for a failure message."""
    found = []
    for pid in pids:
        try:
            status = (Path("/proc") / str(pid) / "status").read_text()
        except OSError:
            found.append(f"{pid}: gone")
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        ppid = fields.get("PPid", "?").strip()
        found.append(
            f"{pid}: {fields.get('Name', '?').strip()} state={fields.get('State', '?').strip()} "
            f"ppid={ppid} ({_parent(ppid)}) threads={_thread_states(pid)}"
        )
    return found


def _parent(ppid: str) -> str:
    """Who should reap it: the parent's name, uid and state."""
    try:
        status = (Path("/proc") / ppid / "status").read_text()
    except OSError:
        return "gone"
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    uid = fields.get("Uid", "?").split()[0] if fields.get("Uid") else "?"
    return f"{fields.get('Name', '?').strip()} uid={uid} state={fields.get('State', '?').strip()}"


def _thread_states(pid: int) -> list[str]:
    """Each thread's state and where in the kernel it waits: a dying thread group's leader is
    a zombie until its last thread has gone."""
    states = []
    try:
        for task in (Path("/proc") / str(pid) / "task").iterdir():
            state = (task / "stat").read_text().rpartition(") ")[2].split()[0]
            wchan = (task / "wchan").read_text() if (task / "wchan").exists() else "?"
            states.append(f"{task.name}:{state}@{wchan or '-'}")
    except OSError:
        pass
    return states


def leftover_cgroups(sandbox: Sandbox) -> list[Path]:
    backend = sandbox.cgroups
    if isinstance(backend, CgroupV1):
        parents = list(backend.parents.values())
    elif isinstance(backend, CgroupV2):
        parents = [backend.base]
    else:  # pragma: no cover
        raise AssertionError(f"unknown backend {backend}")
    prefix = f"run-{os.getpid()}-"
    return [p for parent in parents for p in parent.iterdir() if p.name.startswith(prefix)]


def leftover_tempdirs() -> list[Path]:
    return list(Path("/tmp").glob(f"coderunner-build-{os.getpid()}-*"))


def assert_pool_left_nothing(suite: Sandbox, own: Sandbox) -> None:
    """After `own.close()`: every uid of `own` back and none with a process left (within 30 s:
    the kernel reaps torn-down sandboxes), and no run cgroup of the suite's left."""
    assert sorted(own.uids._free) == list(own.uids.uids), "a pooled sandbox kept its uid"
    deadline = time.monotonic() + 30.0
    while processes_of(own.uids.uids) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert processes_of(own.uids.uids) == []
    assert leftover_cgroups(suite) == []


@pytest.fixture(autouse=True)
def host_stays_clean(sandbox: Sandbox) -> Iterator[None]:
    before_tmp = set(leftover_tempdirs())
    yield
    uid = sandbox.uids.uids
    # the launcher reaps a run's processes as they die; give it time on a busy machine (a dying
    # process can sit in the kernel's exit path for a while): a process that lives on (a
    # daemon, a fork that escaped) is still there after it
    deadline = time.monotonic() + 30.0
    while processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.01)
    left = processes_of(uid)
    assert left == [], f"a sandboxed process outlived its run: {describe(left)}"
    assert leftover_cgroups(sandbox) == [], "a run's cgroup was left behind"
    assert set(leftover_tempdirs()) - before_tmp == set(), "a build dir was left behind"


class LimitOverrides(TypedDict, total=False):
    wall_time_s: float
    cpu_time_s: float
    memory_mb: int
    output_kb: int


def batch(
    sandbox: Sandbox, code: str, stdins: list[str], **limits: Unpack[LimitOverrides]
) -> list[RunResult]:
    """One Python program over several inputs in one sandbox (the grading batch)."""
    results = sandbox.run_batch(code, "python", stdins, Limits(**limits) if limits else None)
    assert len(results) == len(stdins)
    return results
