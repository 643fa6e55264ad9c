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
import shutil
import socket
import tempfile
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
    finished: bool = False
    # a pooled run's control socket: its init reports the program's end there (b"x<status>")
    report: int | None = None
    report_raw: bytearray = field(default_factory=bytearray)

    def reported(self) -> int | None:
        """The program's exit status as its init reported it, once a whole line arrived."""
        line, newline, _ = bytes(self.report_raw).partition(b"\n")
        if not newline or not line.startswith(b"x") or not line[1:].isdigit():
            return None
        return int(line[1:])

    def finish(self) -> dict[str, int]:
        """Kill whatever still runs, wait for it, free the cgroup; bwrap's status events.
        Once: a second call only reports."""
        if self.finished:
            return parse_status(bytes(self.status_raw))
        self.finished = True
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


def fresh_build_dir(uid: int) -> str:
    """A new, empty host build dir for a compiled language (named so the host-clean checks find
    any left behind), owned by `uid` when we are root: the build step writes it as that uid and
    the run reads it. The caller removes it (`shutil.rmtree`: it never follows a planted link)."""
    build_dir = tempfile.mkdtemp(prefix=f"coderunner-build-{os.getpid()}-")
    if os.getuid() == 0:
        try:
            os.chown(build_dir, uid, uid)
        except OSError:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
    return build_dir


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
    uid: int | None = None,
) -> Launched:
    """Start `command` in a fresh sandbox; stdin is `stdin_fd` or else `stdin_data`; as `uid`,
    else this thread's uid.

    Raises OSError or CgroupError when the platform could not start it.
    """
    with _Setup() as setup:
        owned = setup.owned
        source_fd = memfd("source", source)
        seccomp_fd = memfd("seccomp", sandbox.seccomp_program)
        owned.add(source_fd, seccomp_fd)
        if stdin_fd is None:
            stdin_mem = memfd("stdin", stdin_data)
            owned.add(stdin_mem)
            # a read-only description: the run can't write into the host's copy
            stdin_fd = os.open(f"/proc/self/fd/{stdin_mem}", os.O_RDONLY | os.O_CLOEXEC)
            owned.add(stdin_fd)
        streams = _Streams.open(owned, limits, drawing)
        extras = streams.extras(source_fd, seccomp_fd)
        group = setup.create_group(sandbox, group_limits or limits)
        argv = build_argv(
            sandbox.config.bwrap, lang, command, group_limits or limits, streams.fds,
            build_dir, build_writable,
        )  # fmt: skip
        if uid is None:
            uid = sandbox.uids.current()
        pid = _spawn(sandbox, group, argv, uid, limits, stdin_fd, streams, extras)
    return streams.launched(pid, group, owned)


class _Setup:
    """What a launch holds until bwrap has its copies: all of it undone if the launch fails."""

    def __init__(self) -> None:
        self.owned = OwnedFds()
        self._group: RunGroup | None = None

    def create_group(self, sandbox: Sandbox, limits: Limits) -> RunGroup:
        self._group = sandbox.cgroups.create(limits)
        return self._group

    def __enter__(self) -> _Setup:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            return
        self.owned.close_all()
        if self._group is not None:
            with contextlib.suppress(CgroupError, OSError):
                self._group.remove()


@dataclass(slots=True)
class _Streams:
    """Where a sandbox writes: stdout, stderr, bwrap's status and the turtle drawing; the write
    ends go to bwrap and are closed here once it holds its copies."""

    out: tuple[int, int]
    err: tuple[int, int]
    status: tuple[int, int]
    drawing: tuple[int, int] | None

    @classmethod
    def open(cls, owned: OwnedFds, limits: Limits, drawing: bool) -> _Streams:
        out = os.pipe2(os.O_CLOEXEC)
        err = os.pipe2(os.O_CLOEXEC)
        status = os.pipe2(os.O_CLOEXEC)
        owned.add(*out, *err, *status)
        for _, write in (out, err):
            _widen_pipe(write, limits.output_bytes)
        return cls(out, err, status, _drawing_pipe(owned) if drawing else None)

    def extras(self, source: int, seccomp: int) -> list[int]:
        """The descriptors bwrap gets after stdio, in the order `RunFds` numbers them."""
        extras = [source, seccomp, self.status[1]]
        if self.drawing is not None:
            extras.append(self.drawing[1])
        return extras

    @property
    def fds(self) -> RunFds:
        plain = RunFds()
        return plain if self.drawing is None else RunFds(drawing=plain.status + 1)

    def launched(self, pid: int, group: RunGroup, owned: OwnedFds, *handed: int) -> Launched:
        """The started sandbox, once the write ends (and `handed`) that bwrap copied are closed."""
        for fd in (self.out[1], self.err[1], self.status[1], *handed):
            owned.close(fd)
        if self.drawing is not None:
            owned.close(self.drawing[1])
        return Launched(
            pid=pid, group=group, stdout=self.out[0], stderr=self.err[0], status=self.status[0],
            owned=owned, drawing=None if self.drawing is None else self.drawing[0],
        )  # fmt: skip


def _spawn(
    sandbox: Sandbox,
    group: RunGroup,
    argv: list[str],
    uid: int,
    limits: Limits,
    stdin: int,
    streams: _Streams,
    extras: list[int],
) -> int:
    return sandbox.spawner.spawn(
        SpawnRequest(
            argv=argv,
            env=_ENV,
            uid=uid,
            rlimits=rlimits(limits),
            stdio=(stdin, streams.out[1], streams.err[1]),
            procs=group.procs_fds(),
            extras=extras,
        )
    )


def _drawing_pipe(owned: OwnedFds) -> tuple[int, int]:
    """The turtle drawing's own channel (docs/sandbox.md); the host drains it as it fills."""
    read, write = os.pipe2(os.O_CLOEXEC)
    owned.add(read, write)
    return read, write


_SEALS = 0x0001 | 0x0002 | 0x0004 | 0x0008  # F_SEAL_SEAL, SHRINK, GROW, WRITE
_F_ADD_SEALS = 1033
# cgroup v2 weight of a pooled sandbox while it starts and waits (runs have 100): on a busy
# host the learners' runs get the CPU first, the refill what is left
WAITING_CPU_WEIGHT = 10
RUN_CPU_WEIGHT = 100


def _sealable(name: str) -> tuple[int, int]:
    """A memfd the host fills later (write end) and a read-only description of it (the run's)."""
    write = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        read = os.open(f"/proc/self/fd/{write}", os.O_RDONLY | os.O_CLOEXEC)
        os.fchmod(write, 0o444)  # as the unpooled source file: nobody reopens it to write
    except OSError:
        os.close(write)
        raise
    return write, read


def _fill(fd: int, data: bytes) -> None:
    view = memoryview(data)
    offset = 0
    while offset < len(view):
        offset += os.pwrite(fd, view[offset:], offset)
    fcntl.fcntl(fd, _F_ADD_SEALS, _SEALS)  # nothing, not even the run, changes it any more


@dataclass(slots=True)
class Waiting:
    """A pooled sandbox: started, its interpreter up, waiting for a program (pool.py)."""

    run: Launched
    source: int  # the source's memfd (the run reads it at /sandbox/<file>, a link to fd 3)
    stdin: int  # the run's stdin memfd
    # our end of the control socket: b"r" comes, b"g" starts the program, b"x<status>" ends it
    control: int
    uid: int
    # stdin is a pipe the host keeps writing to (`stdin` is its write end: a batch's feed)
    feed: bool = False
    # a pooled build step's own host build dir (bound writable at /build), removed with it
    build_dir: str | None = None

    def ready(self, timeout_s: float) -> bool:
        """Wait for the interpreter's b"r" (start-up done)."""
        import select

        readable, _, _ = select.select([self.control], [], [], timeout_s)
        if not readable:
            return False
        try:
            return os.read(self.control, 1) == b"r"
        except OSError:
            return False

    def alive(self) -> bool:
        """Still waiting: its interpreter has not exited (bwrap reports no exit code yet)."""
        try:
            while chunk := os.read(self.run.status, 4096):
                self.run.status_raw += chunk
        except BlockingIOError:
            pass
        except OSError:
            return False
        else:
            return False  # EOF: bwrap is gone
        return "exit-code" not in parse_status(bytes(self.run.status_raw))

    def start(self, source: bytes, stdin: bytes) -> int:
        """Hand the program to the sandbox and start it; the CPU time (ms) used before it."""
        _fill(self.source, source)
        if not self.feed:
            _fill(self.stdin, stdin)
        group = self.run.group
        group.set_cpu_weight(RUN_CPU_WEIGHT)
        group.reset_peak()
        cpu_before = group.cpu_ms()
        os.set_blocking(self.run.status, True)
        if os.write(self.control, b"g") != 1:
            raise OSError("the pooled sandbox did not take its program")
        self.run.report = self.control
        return cpu_before

    def destroy(self) -> None:
        try:
            self.run.finish()
        finally:
            if self.build_dir is not None:
                # rmtree works on fds and never follows a symlink the build planted
                shutil.rmtree(self.build_dir, ignore_errors=True)


def launch_waiting(
    sandbox: Sandbox,
    lang: Language,
    template: tuple[str, ...],
    limits: Limits,
    uid: int,
    drawing: bool,
    group_limits: Limits | None = None,
    feed_bytes: int = 0,
    build_dir: str | None = None,
    build_writable: bool = False,
    extra_mounts: tuple[tuple[str, str], ...] = (),
) -> Waiting:
    """Start a pooled sandbox running `template` (`lang`'s pooled run or batch) under `limits`,
    as `uid`; `feed_bytes` > 0 gives it a stdin pipe that large (a batch's feed); `build_dir`
    (its own) is bound at /build (writable for a build step) and removed when the sandbox is
    destroyed; `extra_mounts` are bound read-only.

    The same policy as `launch` (one argv builder), except that the source path is a link to
    a memfd the host fills at hand-out. Raises OSError or CgroupError.
    """
    with _Setup() as setup:
        owned = setup.owned
        source_w, source_r = _sealable("source")
        owned.add(source_w, source_r)
        if feed_bytes:
            stdin_r, stdin_w = os.pipe2(os.O_CLOEXEC)
            owned.add(stdin_r, stdin_w)
            fcntl.fcntl(stdin_w, _F_SETPIPE_SZ, feed_bytes)
        else:
            stdin_w, stdin_r = _sealable("stdin")
            owned.add(stdin_w, stdin_r)
        seccomp_fd = memfd("seccomp", sandbox.seccomp_program)
        owned.add(seccomp_fd)
        streams = _Streams.open(owned, limits, drawing)
        os.set_blocking(streams.status[0], False)  # `alive` peeks at it
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        control, control_guest = ours.detach(), theirs.detach()
        owned.add(control, control_guest)
        extras = streams.extras(source_r, seccomp_fd)
        control_at = len(extras) + 3
        extras.append(control_guest)
        group = setup.create_group(sandbox, group_limits or limits)
        group.set_cpu_weight(WAITING_CPU_WEIGHT)
        wall = str(sandbox.config.wall_clock_s(limits))
        command = [
            p.replace("{control}", str(control_at))
            .replace("{wall}", wall)
            .replace("{cap}", str(limits.output_bytes))
            for p in lang.argv(template)
        ]
        argv = build_argv(
            sandbox.config.bwrap, lang, command, group_limits or limits, streams.fds,
            build_dir, build_writable, source_link=True, extra_mounts=extra_mounts,
        )  # fmt: skip
        pid = _spawn(sandbox, group, argv, uid, limits, stdin_r, streams, extras)
    run = streams.launched(pid, group, owned, source_r, stdin_r, control_guest)
    return Waiting(
        run=run, source=source_w, stdin=stdin_w, control=control, uid=uid, feed=feed_bytes > 0,
        build_dir=build_dir,
    )  # fmt: skip
