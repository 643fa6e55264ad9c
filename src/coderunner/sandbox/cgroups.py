"""Per-run control groups: memory (no swap), pids, CPU quota, CPU-time and peak-memory readings.

Two backends share one small interface: cgroup v2 (the unified hierarchy most current hosts use)
and cgroup v1 (separate memory, pids, cpu and cpuacct hierarchies). `detect()` picks the one this
host offers. A run's processes join its group in the child before `exec`, so nothing the run
starts can be outside it.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .limits import Limits

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP_NAME = "coderunner-sandbox"
_counter = itertools.count()


class CgroupError(RuntimeError):
    """The host's cgroups can't be used as the sandbox needs them."""


@dataclass(frozen=True, slots=True)
class Usage:
    cpu_ms: int
    peak_memory_kb: int
    oom_killed: bool
    pids_limited: bool
    oom_kills: int = 0


class RunGroup(Protocol):
    """The control group of one run."""

    def procs_fds(self) -> list[int]:
        """Open `cgroup.procs` files the child writes its pid to before exec."""
        ...

    def cpu_ms(self) -> int: ...

    def pids(self) -> set[int]:
        """The host pids of the group's processes."""
        ...

    def usage(self) -> Usage: ...

    def reset_peak(self) -> None:
        """Start peak-memory accounting afresh (between the runs of a batch, at a pooled
        sandbox's hand-out), where possible: later `usage()` readings count from here."""
        ...

    def set_cpu_weight(self, weight: int) -> None:
        """This group's share of the CPU against the other runs (cgroup v2 scale, 100 = as
        much as any run): a pooled sandbox starts at a low weight, and gets 100 at hand-out."""
        ...

    def kill_all(self) -> None: ...

    def kill_now(self) -> None:
        """SIGKILL every process of the group, without waiting for them to be gone."""
        ...

    def remove(self) -> None: ...


class Backend(Protocol):
    version: int

    def create(self, limits: Limits) -> RunGroup: ...

    def describe(self) -> str: ...


def _write(path: Path, value: str) -> None:
    # plain descriptors, not open(): a run reads and writes ~25 of these files, and the
    # buffered text wrappers cost more than the kernel's side
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _read(path: Path) -> str:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks).decode()
    finally:
        os.close(fd)


def _own_path(controller: str, proc_cgroup: Path = Path("/proc/self/cgroup")) -> str:
    """This process's cgroup path in the hierarchy of `controller` ('' for v2)."""
    for line in _read(proc_cgroup).splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    raise CgroupError(f"this process is in no {controller or 'unified'} cgroup")


def _pids_in(path: Path) -> list[int]:
    try:
        return [int(p) for p in _read(path / "cgroup.procs").split()]
    except FileNotFoundError:
        return []


def _kill_pids(paths: list[Path], deadline_s: float = 5.0) -> None:
    """SIGKILL every process in these groups until they are empty."""
    end = time.monotonic() + deadline_s
    while True:
        pids = {pid for path in paths for pid in _pids_in(path)}
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > end:
            raise CgroupError(f"processes {sorted(pids)} survived SIGKILL")
        time.sleep(0.002)


def _kill_once(paths: list[Path]) -> None:
    for pid in {pid for path in paths for pid in _pids_in(path)}:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _rmdir(path: Path, deadline_s: float = 5.0) -> None:
    end = time.monotonic() + deadline_s
    while True:
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY or time.monotonic() > end:
                raise
            time.sleep(0.002)


def _sweep_stale(parents: list[Path]) -> None:
    """Remove run groups left by a service process that is gone (it crashed mid-run)."""
    for parent in parents:
        for child in parent.glob("run-*-*"):
            owner = child.name.split("-")[1]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                with contextlib.suppress(OSError, CgroupError):
                    _kill_pids([child], deadline_s=1.0)
                    _rmdir(child, deadline_s=1.0)


def sweep_stale(backend: Backend) -> None:
    """Remove the run groups of service processes that are gone. Runs at start-up, and the job
    sweeper calls it periodically so a dead worker's groups don't wait for the next start."""
    parents: list[Path] = list(getattr(backend, "parents", {}).values())
    base = getattr(backend, "base", None)
    if isinstance(base, Path):
        parents.append(base)
    _sweep_stale(parents)


def _quota(limits: Limits, period_us: int = 100_000) -> int:
    return max(1000, int(limits.cpu_cores * period_us))


DEFAULT_CPU_WEIGHT = 100  # cgroup v2's default weight: as much as any other group of processes


def _v1_shares(weight: int) -> int:
    """cgroup v1 cpu.shares for a v2-style weight (100 = 1024, a single ordinary process)."""
    return max(2, weight * 1024 // 100)


# ---------------------------------------------------------------- cgroup v1


class _V1Group:
    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self._fds: list[int] = []

    def procs_fds(self) -> list[int]:
        if not self._fds:
            # one fd per distinct hierarchy (cpu and cpuacct may be co-mounted)
            for path in dict.fromkeys(self.paths.values()):
                self._fds.append(os.open(path / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC))
        return self._fds

    def cpu_ms(self) -> int:
        return int(_read(self.paths["cpuacct"] / "cpuacct.usage")) // 1_000_000

    def pids(self) -> set[int]:
        return {pid for path in dict.fromkeys(self.paths.values()) for pid in _pids_in(path)}

    def usage(self) -> Usage:
        memory = self.paths["memory"]
        oom_kills = 0
        for line in _read(memory / "memory.oom_control").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                oom_kills = int(value)
        failcnt = int(_read(memory / "memory.failcnt"))
        peak = int(_read(memory / "memory.max_usage_in_bytes"))
        pids_events = _read(self.paths["pids"] / "pids.events").split()
        return Usage(
            cpu_ms=self.cpu_ms(),
            peak_memory_kb=peak // 1024,
            oom_killed=oom_kills > 0 or (failcnt > 0 and peak >= _limit_bytes(memory)),
            pids_limited=len(pids_events) == 2 and int(pids_events[1]) > 0,
            oom_kills=oom_kills,
        )

    def reset_peak(self) -> None:
        _write(self.paths["memory"] / "memory.max_usage_in_bytes", "0")

    def set_cpu_weight(self, weight: int) -> None:
        _write(self.paths["cpu"] / "cpu.shares", str(_v1_shares(weight)))

    def kill_all(self) -> None:
        _kill_pids(list(dict.fromkeys(self.paths.values())))

    def kill_now(self) -> None:
        _kill_once(list(dict.fromkeys(self.paths.values())))

    def remove(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []
        self.kill_all()
        for path in dict.fromkeys(self.paths.values()):
            _rmdir(path)


def _limit_bytes(memory: Path) -> int:
    return int(_read(memory / "memory.limit_in_bytes"))


class CgroupV1:
    version = 1
    controllers = ("memory", "pids", "cpu", "cpuacct")

    def __init__(self, cpu_weight: int = DEFAULT_CPU_WEIGHT) -> None:
        self.parents: dict[str, Path] = {}
        for controller in self.controllers:
            mount = CGROUP_ROOT / controller
            if not (mount / "cgroup.procs").exists():
                raise CgroupError(f"cgroup v1 controller {controller!r} is not mounted at {mount}")
            parent = mount / _own_path(controller).lstrip("/") / GROUP_NAME
            try:
                parent.mkdir(exist_ok=True)
            except OSError as exc:
                raise CgroupError(f"cannot create {parent}: {exc.strerror}") from exc
            self.parents[controller] = parent
        try:  # every run together against the host's other processes
            _write(self.parents["cpu"] / "cpu.shares", str(_v1_shares(cpu_weight)))
        except OSError as exc:
            raise CgroupError(f"cannot set the runs' CPU weight: {exc.strerror}") from exc
        self._memsw = (self.parents["memory"] / "memory.memsw.limit_in_bytes").exists()
        _sweep_stale(list(self.parents.values()))

    def describe(self) -> str:
        return f"cgroup v1 ({', '.join(str(p) for p in self.parents.values())})"

    def create(self, limits: Limits) -> RunGroup:
        name = f"run-{os.getpid()}-{next(_counter)}"
        paths: dict[str, Path] = {}
        try:
            for controller, parent in self.parents.items():
                path = parent / name
                path.mkdir()
                paths[controller] = path
            memory = paths["memory"]
            _write(memory / "memory.limit_in_bytes", str(limits.memory_bytes))
            if self._memsw:
                _write(memory / "memory.memsw.limit_in_bytes", str(limits.memory_bytes))
            _write(memory / "memory.swappiness", "0")
            _write(paths["pids"] / "pids.max", str(limits.max_processes))
            _write(paths["cpu"] / "cpu.cfs_period_us", "100000")
            _write(paths["cpu"] / "cpu.cfs_quota_us", str(_quota(limits)))
        except OSError as exc:
            for path in paths.values():
                with contextlib.suppress(OSError):
                    path.rmdir()
            raise CgroupError(f"cannot set up a run cgroup: {exc}") from exc
        return _V1Group(paths)


# ---------------------------------------------------------------- cgroup v2


class _V2Group:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fds: list[int] = []
        # memory.peak opened once reset: since Linux 6.12 a write resets the peak only for
        # reads through the same descriptor
        self._peak_fd: int | None = None

    def procs_fds(self) -> list[int]:
        if not self._fds:
            self._fds.append(os.open(self.path / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC))
        return self._fds

    def cpu_ms(self) -> int:
        for line in _read(self.path / "cpu.stat").splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                return int(value) // 1000
        return 0

    def pids(self) -> set[int]:
        return set(_pids_in(self.path))

    def usage(self) -> Usage:
        events = dict(
            line.split(" ", 1) for line in _read(self.path / "memory.events").splitlines()
        )
        peak = self._peak()
        pids_events = dict(
            line.split(" ", 1) for line in _read(self.path / "pids.events").splitlines()
        )
        return Usage(
            cpu_ms=self.cpu_ms(),
            peak_memory_kb=peak // 1024,
            oom_killed=int(events.get("oom_kill", "0")) > 0,
            pids_limited=int(pids_events.get("max", "0")) > 0,
            oom_kills=int(events.get("oom_kill", "0")),
        )

    def _peak(self) -> int:
        if self._peak_fd is not None:
            return int(os.pread(self._peak_fd, 64, 0))
        peak_file = self.path / "memory.peak"
        return int(_read(peak_file)) if peak_file.exists() else 0

    def reset_peak(self) -> None:
        if self._peak_fd is None:
            try:
                self._peak_fd = os.open(self.path / "memory.peak", os.O_RDWR | os.O_CLOEXEC)
            except OSError:  # writable since Linux 6.12; else the peak since the group began
                return
        try:
            os.write(self._peak_fd, b"reset")
        except OSError:
            os.close(self._peak_fd)
            self._peak_fd = None

    def set_cpu_weight(self, weight: int) -> None:
        _write(self.path / "cpu.weight", str(weight))

    def kill_all(self) -> None:
        self.kill_now()
        _kill_pids([self.path])

    def kill_now(self) -> None:
        kill_file = self.path / "cgroup.kill"
        if kill_file.exists():
            with contextlib.suppress(FileNotFoundError):
                _write(kill_file, "1")
        else:
            _kill_once([self.path])

    def remove(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []
        if self._peak_fd is not None:
            os.close(self._peak_fd)
            self._peak_fd = None
        self.kill_all()
        _rmdir(self.path)


class CgroupV2:
    """The unified hierarchy.

    Controllers can only be handed to children of a group that holds no processes itself, so
    our process moves to a `supervisor` leaf beside the runs' parent group first.
    """

    version = 2
    wanted = ("memory", "pids", "cpu")

    def __init__(
        self,
        root: Path = CGROUP_ROOT,
        proc_cgroup: Path = Path("/proc/self/cgroup"),
        cpu_weight: int = DEFAULT_CPU_WEIGHT,
    ) -> None:
        own = root / _own_path("", proc_cgroup).lstrip("/")
        if own.name == "supervisor":  # a restart of a process that moved itself before
            own = own.parent
        enable = " ".join(f"+{c}" for c in self.wanted)
        try:
            missing = set(self.wanted) - set(_read(own / "cgroup.controllers").split())
            if missing:
                raise CgroupError(f"cgroup v2 controllers {sorted(missing)} not delegated to {own}")
            if own != root:
                supervisor = own / "supervisor"
                supervisor.mkdir(exist_ok=True)
                _write(supervisor / "cgroup.procs", str(os.getpid()))
                if _pids_in(own):
                    raise CgroupError(f"other processes share {own}; give the service its own")
            _write(own / "cgroup.subtree_control", enable)
            base = own / GROUP_NAME
            base.mkdir(exist_ok=True)
            _write(base / "cgroup.subtree_control", enable)
            _write(base / "cpu.weight", str(cpu_weight))  # the runs together vs the host
        except OSError as exc:
            raise CgroupError(f"cannot prepare cgroup v2 under {own}: {exc}") from exc
        self.base = base
        _sweep_stale([base])

    def describe(self) -> str:
        return f"cgroup v2 ({self.base})"

    def create(self, limits: Limits) -> RunGroup:
        path = self.base / f"run-{os.getpid()}-{next(_counter)}"
        try:
            path.mkdir()
            _write(path / "memory.max", str(limits.memory_bytes))
            with contextlib.suppress(FileNotFoundError):  # no swap accounting: no swap
                _write(path / "memory.swap.max", "0")
            _write(path / "pids.max", str(limits.max_processes))
            _write(path / "cpu.max", f"{_quota(limits)} 100000")
        except OSError as exc:
            with contextlib.suppress(OSError):
                path.rmdir()
            raise CgroupError(f"cannot set up a run cgroup: {exc}") from exc
        return _V2Group(path)


def detect(cpu_weight: int = DEFAULT_CPU_WEIGHT) -> Backend:
    """The cgroup backend this host offers: v2 when unified is the only hierarchy, else v1.

    `cpu_weight` (cgroup v2 scale, 1-10000; 100 is an ordinary group) is what all runs together
    weigh against the host's other processes when the CPU is contended.
    """
    if (CGROUP_ROOT / "cgroup.controllers").exists():
        return CgroupV2(cpu_weight=cpu_weight)
    if (CGROUP_ROOT / "memory").is_dir():
        return CgroupV1(cpu_weight)
    raise CgroupError("no usable cgroup hierarchy under /sys/fs/cgroup")
