"""The sandbox's init for languages that have none of their own (mounted at
/usr/lib/coderunner/init.py; see ADR 0007): `init.py COMMAND ARGS...`.

As pid 1 (bwrap --as-pid-1) it makes itself non-dumpable, so the learner's processes (same
uid, no capabilities) can neither read nor write its memory or descriptors through /proc, and it
ignores every signal they send (pid 1 gets none it has no handler for). It forks, execs the
command (exec makes the program dumpable again: its own /proc entries are its own), reaps
whatever the program leaves, and exits with the program's status (128 + N for a signal N, as
bwrap reports it) as soon as the program ends; the kernel then kills the rest of the sandbox.
Standard library only, and only what interpreter start-up already loaded.

Pooled (sandbox/pool.py, ADR 0014: `init.py --pooled=CONTROL_FD COMMAND ARGS...`), it relays
the host's control socket to the command, which never holds the host's end: the command gets a
socket of its own to init at the same descriptor number (and in CODERUNNER_POOLED_FD), says b"r"
there once its start-up is done, and waits there for b"g" before it runs the learner's program.
Init passes b"r" on to the host, then the host's b"g" to the command, and closes its end of the
command's socket: nothing the program writes there reaches init or the host. Anything but b"g",
the host's socket closing, or the command ending first, ends the sandbox with nothing run. When
the command ends, init sends b"x<status>\\n" to the host before it exits, as boot.py does.
`--pooled-quiet=CONTROL_FD` is the same without the variable, for a command told the number on
its command line that cannot take a variable out of its program's sight (Java).
"""

import _ctypes
import posix
import sys
from _signal import SIG_DFL, SIGINT, signal  # type: ignore[import-not-found]

_PR_SET_DUMPABLE = 4
POOLED_FD_ENV = b"CODERUNNER_POOLED_FD"


def _start(argv: "list[str]", pooled: "tuple[int, int, int] | None", quiet: bool) -> int:
    """Fork and exec `argv`; pooled, its socket to init replaces the host's control at the
    control's number."""
    pid = posix.fork()
    if pid != 0:
        return pid
    try:
        env = posix.environ
        if pooled is not None:
            control, _, theirs = pooled
            posix.dup2(theirs, control)  # also closes the host's control in this process
            if not quiet:
                env = {**env, POOLED_FD_ENV: b"%d" % control}
        posix.execve(argv[0], argv, env)
    except OSError as exc:
        posix.write(2, f"sandbox: cannot start {argv[0]}: {exc.strerror}\n".encode())
    posix._exit(127)


def _read1(fd: int) -> bytes:
    try:
        return posix.read(fd, 1)
    except OSError:
        return b""


def _relay_go(control: int, ours: int, pid: int) -> None:
    """Pooled: the command's b"r" to the host, then the host's b"g" to the command; return
    once the program may run. Any other turn ends the sandbox (the host destroys it)."""
    import select

    if _read1(ours) != b"r":
        posix._exit(1)  # the command died starting up: the pool sees this sandbox end
    posix.write(control, b"r")
    while True:
        readable, _, _ = select.select([control, ours], [], [])
        if control in readable:
            break
        if _read1(ours) == b"":
            posix._exit(1)  # it ended while it waited: nothing ran
    if _read1(control) != b"g":
        posix.kill(pid, 9)
        posix._exit(0)
    posix.write(ours, b"g")
    posix.close(ours)


def _main(argv: "list[str]") -> None:
    prctl = _ctypes.dlsym(_ctypes.dlopen(None, 2), "prctl")  # type: ignore[arg-type]
    _ctypes.call_function(prctl, (_PR_SET_DUMPABLE, 0, 0, 0, 0))
    signal(SIGINT, SIG_DFL)
    pooled = None
    quiet = bool(argv) and argv[0].startswith("--pooled-quiet=")
    if argv and (quiet or argv[0].startswith("--pooled=")):
        import _socket

        control = int(argv.pop(0).partition("=")[2])
        ours, theirs = (s.detach() for s in _socket.socketpair(_socket.AF_UNIX))
        pooled = (control, ours, theirs)
    pid = _start(argv, pooled, quiet)
    for fd in (0, 1, 2):
        posix.close(fd)
    if pooled is not None:
        posix.close(pooled[2])
        _relay_go(pooled[0], pooled[1], pid)
    while True:
        try:
            done, status = posix.waitpid(-1, 0)
        except ChildProcessError:
            posix._exit(1)
        except InterruptedError:
            continue
        if done == pid:
            if posix.WIFSIGNALED(status):
                code = 128 + posix.WTERMSIG(status)
            else:
                code = posix.WEXITSTATUS(status)
            if pooled is not None:
                # pooled: the host has the result now, not after the namespaces are torn down
                posix.write(pooled[0], b"x%d\n" % code)
            posix._exit(code)


if posix.getpid() != 1:
    raise SystemExit("the sandbox init runs only as pid 1 inside the sandbox")
_main(sys.argv[1:])
