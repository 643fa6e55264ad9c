"""cgroup v2 backend against a fake cgroupfs tree.

Our CI machines run cgroup v1 (the attack suite exercises it for real); the kernel's v2
interface can't be mounted here, so this checks what the v2 backend writes and how it reads the
kernel's files, on a directory laid out like /sys/fs/cgroup. It is a stand-in, said so.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coderunner.sandbox import Limits
from coderunner.sandbox.cgroups import CgroupError, CgroupV2


def fake_tree(tmp_path: Path, controllers: str = "cpuset cpu io memory pids") -> Path:
    root = tmp_path / "cgroup"
    service = root / "system.slice" / "coderunner.service"
    service.mkdir(parents=True)
    (service / "cgroup.controllers").write_text(controllers + "\n")
    (service / "cgroup.procs").write_text("")  # the kernel lists us in supervisor/ after the move
    (tmp_path / "self-cgroup").write_text("0::/system.slice/coderunner.service\n")
    return root


def test_v2_delegates_controllers_and_moves_itself_to_a_leaf(tmp_path: Path) -> None:
    root = fake_tree(tmp_path)
    backend = CgroupV2(root, tmp_path / "self-cgroup")
    service = root / "system.slice" / "coderunner.service"
    assert (service / "supervisor" / "cgroup.procs").read_text() == str(os.getpid())
    assert (service / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    assert backend.base == service / "coderunner-sandbox"
    assert (backend.base / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"


def test_v2_run_group_gets_the_limits(tmp_path: Path) -> None:
    backend = CgroupV2(fake_tree(tmp_path), tmp_path / "self-cgroup")
    group = backend.create(Limits(memory_mb=64, max_processes=16, cpu_cores=0.5))
    path = next(p for p in backend.base.iterdir() if p.name.startswith("run-"))
    assert (path / "memory.max").read_text() == str(64 * 2**20)
    assert (path / "memory.swap.max").read_text() == "0"
    assert (path / "pids.max").read_text() == "16"
    assert (path / "cpu.max").read_text() == "50000 100000"
    (path / "cpu.stat").write_text("usage_usec 12345\nuser_usec 10000\n")
    (path / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    (path / "memory.peak").write_text(str(5 * 2**20))
    (path / "pids.events").write_text("max 2\n")
    usage = group.usage()
    assert usage.cpu_ms == 12
    assert usage.peak_memory_kb == 5 * 1024
    assert usage.oom_killed
    assert usage.oom_kills == 1
    assert usage.pids_limited


def test_v2_refuses_without_delegated_controllers(tmp_path: Path) -> None:
    root = fake_tree(tmp_path, controllers="cpuset io")
    with pytest.raises(CgroupError, match=r"\['cpu', 'memory', 'pids'\] not delegated"):
        CgroupV2(root, tmp_path / "self-cgroup")
