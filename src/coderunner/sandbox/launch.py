"""Starting one sandbox: descriptors, cgroup, bubblewrap command line, launcher, teardown.

Shared by single runs (runner.py) and batches (batch.py). The host never writes a file for a
run: the source and seccomp program travel in memfds, output in pipes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .bwrap import RunFds, build_argv, rlimits
from .cgroups import CgroupError, RunGroup
from .languages import Language
from .limits import Limits
from .spawner_client import SpawnRequest, wait_exit

log = logging.getLogger(__name__)
_ENV = {"PATH": "/usr/bin:/bin"}

if TYPE_CHECKING:  # runner imports this module
    from .runner import Sandbox


def memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


_F_SETPIPE_SZ = 1031
_MAX_PIPE_BYTES = 8 << 20


def _widen_pipe(fd: int, cap: int) -> None:
    """Room in the pipe for more than the output cap: a program that floods its output is over
    the cap before its writes ever block, however slowly a loaded host reads (a runtime that
    queues blocked writes in memory, like Node, would otherwise run out of memory first)."""
    with contextlib.suppress(OSError):  # a smaller pipe only makes this less certain
        fcntl.fcntl(fd, _F_SETPIPE_SZ, min(2 * cap + 65536, _MAX_PIPE_BYTES))


def parse_status(raw: bytes) -> dict[str, int]:
    """bwrap's --json-status-fd stream: one JSON object per event."""
    decoder = json.JSONDecoder()
    text = raw.decode("utf-8", errors="replace")
    status: dict[str, int] = {}
    index = 0
    while index < len(text):
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        try:
            obj, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            break
        if isinstance(obj, dict):
            status.update({k: v for k, v in obj.items() if isinstance(v, int)})
    return status


class OwnedFds:
    """File descriptors a run opened; each is closed exactly once."""

    def __init__(self) -> None:
        self._fds: set[int] = set()

    def add(self, *fds: int) -> None:
        self._fds.update(fds)

    def close(self, fd: int) -> None:
        self._fds.discard(fd)
        os.close(fd)

    def close_all(self) -> None:
        while self._fds:
            with contextlib.suppress(OSError):
                os.close(self._fds.pop())


@dataclass(slots=True)
class Launched:
    """A started sandbox: what the host reads, and how to end it."""

    pid: int
    group: RunGroup
    stdout: int
    stderr: int
    status: int
    owned: OwnedFds
    status_raw: bytearray = field(default_factory=bytearray)
    drawing: int | None = None  # read end of the turtle drawing's channel

    def finish(self) -> dict[str, int]:
        """Kill whatever still runs, wait for it, free the cgroup; bwrap's status events."""
        try:
            self.group.kill_all()
            wait_exit(self.pid, 2.0)
        finally:
            self.owned.close_all()
            try:
                self.group.remove()
            except (CgroupError, OSError) as exc:
                log.error("sandbox cgroup not removed: %s", exc)
        return parse_status(bytes(self.status_raw))


def launch(
    sandbox: Sandbox,
    lang: Language,
    command: list[str],
    source: bytes,
    stdin_fd: int | None,
    stdin_data: bytes,
    limits: Limits,
    group_limits: Limits | None = None,
    build_dir: str | None = None,
    build_writable: bool = False,
    drawing: bool = False,
) -> Launched:
    """Start `command` in a fresh sandbox; stdin is `stdin_fd` or else `stdin_data`.

    Raises OSError or CgroupError when the platform could not start it.
    """
    owned = OwnedFds()
    group: RunGroup | None = None
    try:
        source_fd = memfd("source", source)
        seccomp_fd = memfd("seccomp", sandbox.seccomp_program)
        owned.add(source_fd, seccomp_fd)
        if stdin_fd is None:
            stdin_mem = memfd("stdin", stdin_data)
            owned.add(stdin_mem)
            # a read-only description: the run can't write into the host's copy
            stdin_fd = os.open(f"/proc/self/fd/{stdin_mem}", os.O_RDONLY | os.O_CLOEXEC)
            owned.add(stdin_fd)
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        status_r, status_w = os.pipe2(os.O_CLOEXEC)
        owned.add(out_r, out_w, err_r, err_w, status_r, status_w)
        for fd in (out_w, err_w):
            _widen_pipe(fd, limits.output_bytes)
        extras = [source_fd, seccomp_fd, status_w]
        draw_r, draw_w = _drawing_pipe(owned) if drawing else (None, None)
        fds = RunFds() if draw_w is None else RunFds(drawing=len(extras) + 3)
        if draw_w is not None:
            extras.append(draw_w)
        group = sandbox.cgroups.create(group_limits or limits)
        argv = build_argv(
            sandbox.config.bwrap, lang, command, group_limits or limits, fds,
            build_dir, build_writable,
        )  # fmt: skip
        pid = sandbox.spawner.spawn(
            SpawnRequest(
                argv=argv,
                env=_ENV,
                uid=sandbox.uids.current(),
                rlimits=rlimits(limits),
                stdio=(stdin_fd, out_w, err_w),
                procs=group.procs_fds(),
                extras=extras,
            )
        )
    except BaseException:
        owned.close_all()
        if group is not None:
            with contextlib.suppress(CgroupError, OSError):
                group.remove()
        raise
    for fd in (out_w, err_w, status_w):  # bwrap holds its own copies now
        owned.close(fd)
    if draw_w is not None:
        owned.close(draw_w)
    return Launched(
        pid=pid, group=group, stdout=out_r, stderr=err_r, status=status_r, owned=owned,
        drawing=draw_r,
    )  # fmt: skip


def _drawing_pipe(owned: OwnedFds) -> tuple[int, int]:
    """The turtle drawing's own channel (docs/sandbox.md); the host drains it as it fills."""
    read, write = os.pipe2(os.O_CLOEXEC)
    owned.add(read, write)
    return read, write
