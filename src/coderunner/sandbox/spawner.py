"""The sandbox's process launcher: a small helper process that forks the runs.

Run as a script by `SpawnerClient` (stdlib only, `python -I -S spawner.py FD`). The service
itself can be a big process: forking it for every run would copy its page tables (milliseconds),
and a fork hook in Python disables vfork. This helper stays small, so each run costs one cheap
fork here, and the forked child does, before it execs bwrap:
  1. join the run's cgroups (bwrap and everything it starts are inside from their first
     instruction),
  2. lower the rlimits every sandboxed process inherits (core, CPU, file size, open files),
  3. drop to the unprivileged host uid of the sandbox (when we are root),
  4. put stdin/stdout/stderr at 0-2 and the run's other descriptors at 3, 4, ...
It is also the child subreaper of everything it starts, and reaps it as soon as it dies: its
SIGCHLD handler also writes to a wake-up pipe that the loop polls beside the channel, because
Python runs a signal's handler between bytecodes, so a SIGCHLD that lands just before the loop
blocks in recvmsg would otherwise wait for the next request, leaving a zombie in the meantime.

Request (one SOCK_SEQPACKET message): JSON {argv, env, uid, rlimits: [[resource, soft, hard]],
procs: n} with SCM_RIGHTS descriptors [stdin, stdout, stderr, <n cgroup.procs>, extras...].
Reply: JSON {pid} or {error}.
"""

import array
import contextlib
import ctypes
import fcntl
import json
import os
import resource
import select
import signal
import socket
import sys

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_MAX_FDS = 64
_HIGH_FD = 1000
_LIBC = ctypes.CDLL(None, use_errno=True)
_LAUNCHER = 0


_CHILDREN: set[int] = set()


def _reap(_signum: int = 0, _frame: object = None) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _CHILDREN.discard(pid)


def _shut_down() -> None:
    """The service closed the channel: end every run still going and reap all of it."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for pid in list(_CHILDREN):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)  # our runs, and what they left to us as their subreaper
        except ChildProcessError:
            return


def _child(request: "dict[str, object]", fds: "list[int]") -> None:
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for number in (signal.SIGPIPE, signal.SIGXFSZ):  # Python ignores these; exec keeps that
            signal.signal(number, signal.SIG_DFL)
        procs_count = int(request["procs"])  # type: ignore[call-overload]
        me = str(os.getpid()).encode()
        for fd in fds[3 : 3 + procs_count]:
            os.write(fd, me)
        wanted = fds[:3] + fds[3 + procs_count :]
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, _HIGH_FD) for fd in wanted]
        for target, fd in enumerate(high):
            os.dup2(fd, target, inheritable=True)
        os.closerange(len(high), _HIGH_FD + len(high) + _MAX_FDS)
        for number, soft, hard in request["rlimits"]:  # type: ignore[attr-defined]
            resource.setrlimit(number, (soft, hard))
        uid = int(request["uid"])  # type: ignore[call-overload]
        if os.getuid() == 0:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        # after the uid change (which clears it): if the launcher dies, so does the run
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != _LAUNCHER:
            os._exit(127)  # the launcher died before we got here
        argv = [str(a) for a in request["argv"]]  # type: ignore[attr-defined]
        env = {str(k): str(v) for k, v in request["env"].items()}  # type: ignore[attr-defined]
        os.execve(argv[0], argv, env)  # noqa: S606 - a fixed argv, no shell
    # in the forked child: whatever happens, say why and never return into the parent's code
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(2, f"sandbox launcher: {exc}\n".encode())
        finally:
            os._exit(127)


def serve(channel_fd: int) -> None:
    """Serve until the service closes the channel (it exited): then we exit, and every run still
    going dies with us (each run's first process has us as its parent-death signal source)."""
    global _LAUNCHER
    _LAUNCHER = os.getpid()
    _LIBC.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # we reap what our runs leave
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the service decides when we stop
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    channel = socket.socket(fileno=channel_fd)
    poller = select.poll()
    poller.register(channel_fd, select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    space = socket.CMSG_SPACE(_MAX_FDS * array.array("i").itemsize)
    while True:
        ready = {fd for fd, _ in poller.poll()}
        if wake_r in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_r, 4096)
            _reap()  # a SIGCHLD whose handler had not run yet when we last blocked
        if channel_fd not in ready:
            continue
        try:
            message, ancillary, _, _ = channel.recvmsg(1 << 20, space)
        except ConnectionResetError:
            message = b""
        if not message:
            _shut_down()
            return
        fds: list[int] = []
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                received = array.array("i")
                received.frombytes(data[: len(data) - len(data) % received.itemsize])
                fds.extend(received)
        try:
            request = json.loads(message)
            pid = os.fork()
            if pid == 0:
                _child(request, fds)
            _CHILDREN.add(pid)
            reply: dict[str, object] = {"pid": pid}
        except (OSError, ValueError) as exc:
            reply = {"error": str(exc)}
        finally:
            for fd in fds:
                os.close(fd)
        channel.send(json.dumps(reply).encode())
        _reap()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
