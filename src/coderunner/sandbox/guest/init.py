"""The sandbox's init for languages that have none of their own (mounted at
/usr/lib/coderunner/init.py; see ADR 0007): `init.py COMMAND ARGS...`.

As pid 1 (bwrap --as-pid-1) it makes itself non-dumpable, so the learner's processes (same
uid, no capabilities) can neither read nor write its memory or descriptors through /proc, and it
ignores every signal they send (pid 1 gets none it has no handler for). It forks, execs the
command (exec makes the program dumpable again: its own /proc entries are its own), reaps
whatever the program leaves, and exits with the program's status (128 + N for a signal N, as
bwrap reports it) as soon as the program ends; the kernel then kills the rest of the sandbox.
Standard library only, and only what interpreter start-up already loaded.
"""

import _ctypes
import posix
import sys
from _signal import SIG_DFL, SIGINT, signal  # type: ignore[import-not-found]

_PR_SET_DUMPABLE = 4


def _main(argv: "list[str]") -> None:
    prctl = _ctypes.dlsym(_ctypes.dlopen(None, 2), "prctl")  # type: ignore[arg-type]
    _ctypes.call_function(prctl, (_PR_SET_DUMPABLE, 0, 0, 0, 0))
    signal(SIGINT, SIG_DFL)
    pid = posix.fork()
    if pid == 0:
        try:
            posix.execv(argv[0], argv)
        except OSError as exc:
            posix.write(2, f"sandbox: cannot start {argv[0]}: {exc.strerror}\n".encode())
        posix._exit(127)
    for fd in (0, 1, 2):
        posix.close(fd)
    while True:
        try:
            done, status = posix.waitpid(-1, 0)
        except ChildProcessError:
            posix._exit(1)
        except InterruptedError:
            continue
        if done == pid:
            if posix.WIFSIGNALED(status):
                posix._exit(128 + posix.WTERMSIG(status))
            posix._exit(posix.WEXITSTATUS(status))


if posix.getpid() != 1:
    raise SystemExit("the sandbox init runs only as pid 1 inside the sandbox")
_main(sys.argv[1:])
