"""Starts a learner's Python program in the sandbox (mounted at /usr/lib/coderunner/boot.py).

It is the sandbox's init (pid 1, bwrap --as-pid-1): it makes itself non-dumpable, so the
learner's processes (same uid, no capabilities) can neither read nor write its memory or
descriptors through /proc, and as pid 1 it ignores every signal they send. It forks the program,
reaps whatever the program leaves, and exits with the program's status (128 + N for a signal N,
as bwrap reports it) as soon as the program ends; the kernel then kills the rest of the sandbox.

The interpreter runs with -S: no `site`, so no site-packages is ever looked at and start-up is
~2 ms faster. This restores what learners expect of `site` (`exit()`, `quit()`) and runs the
program as `__main__` like `python3 main.py` does: the same module attributes, the same
recursion depth, tracebacks that never show this file. It runs on the learners' interpreter, so
it imports only what start-up already loaded, plus the tiny `_sitebuiltins`, `gc` and `_ctypes`.

Pooled (sandbox/pool.py, ADR 0014: `boot.py --pooled=CONTROL_FD FILE`), pid 1 starts up, says
b"r" on the control socket and waits there: b"g" runs the program (whose source and input the
host wrote meanwhile); anything else, or the socket closing, ends the sandbox with nothing run.
When the program ends, pid 1 sends b"x<status>\n" there before it exits.
"""

import _ctypes
import builtins
import gc
import posix
import sys
from _signal import SIG_DFL, SIGINT, signal  # type: ignore[import-not-found]
from _sitebuiltins import Quitter

builtins.exit = Quitter("exit", "Ctrl-D (i.e. EOF)")
builtins.quit = Quitter("quit", "Ctrl-D (i.e. EOF)")
_BOOT = __file__  # the interpreter drops __file__ before it reports an uncaught exception
_show = sys.__excepthook__
_PR_SET_DUMPABLE = 4
_PRCTL = _ctypes.dlsym(_ctypes.dlopen(None, 2), "prctl")  # type: ignore[arg-type]
_NO_SHELL = (
    "os.system: this sandbox has no shell and runs no other programs, only your Python code.\n"
)


def _prctl(option: int, value: int) -> int:
    return int(_ctypes.call_function(_PRCTL, (option, value, 0, 0, 0)))


def _hook(kind, value, tb):  # type: ignore[no-untyped-def]
    kept = []  # the learner's frames only (ours start the chain, and end it inside _input)
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != _BOOT:
            kept.append(tb)
        tb = tb.tb_next
    for entry in reversed(kept):
        tb = type(entry)(tb, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    _show(kind, value.with_traceback(tb), tb)


_read_line = builtins.input


def _input(prompt: object = "") -> str:
    """input() when graded: the prompt is not part of the output (sandbox/prompts.py)."""
    return _read_line()


def _system(command: object) -> int:
    """os.system without a shell: say why nothing ran instead of a silent 32512."""
    sys.stderr.write(_NO_SHELL)
    sys.stderr.flush()
    return 127 << 8


def _depth() -> int:
    frame, depth = sys._getframe(1), 1
    while frame.f_back is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def _run(path: str) -> None:
    sys.argv = sys.argv[1:]
    sys.path[0] = path.rpartition("/")[0]
    sys.excepthook = _hook
    if posix.environ.get(b"CODERUNNER_PROMPTS") == b"hidden":
        builtins.input = _input
    posix.system = _system
    if "os" in sys.modules:
        sys.modules["os"].system = _system  # type: ignore[attr-defined]
    with open(path, "rb") as handle:
        code = compile(handle.read(), path, "exec", dont_inherit=True)
    main = type(sys)("__main__")
    loader = getattr(sys.modules["__main__"], "__loader__")  # noqa: B009 (mypy: Any)
    main.__dict__.update(
        __file__=path,
        __builtins__=builtins,
        __loader__=type(loader)("__main__", path),
        __spec__=None,
        __cached__=None,
        __annotations__={},
    )
    sys.modules["__main__"] = main
    # our frames (this one, _init, the boot module) do not count against the learner's depth
    sys.setrecursionlimit(sys.getrecursionlimit() + _depth() + 1)  # + exec's entry
    exec(code, main.__dict__)  # noqa: S102


def _await_go(control: int) -> None:
    """Pooled: ready, then wait for the host's go; never returns without it."""
    try:
        posix.write(control, b"r")
        order = posix.read(control, 1)
    except OSError:
        order = b""
    if order != b"g":
        posix._exit(0)  # unused: the host destroys this sandbox


def _init(path: str, control: "int | None" = None) -> None:
    _prctl(_PR_SET_DUMPABLE, 0)
    signal(SIGINT, SIG_DFL)  # pid 1 ignores every signal it has no handler for
    # Start-up's objects leave the collector's reach: the program's collections (and the one
    # at its exit) no longer write into every page it shares with us, which the kernel would
    # then copy (~1 ms per run). New objects, the program's, are collected as usual.
    gc.freeze()
    if control is not None:
        _await_go(control)
    pid = posix.fork()
    if pid == 0:
        if control is not None:
            posix.close(control)  # the host's channel is ours, not the program's
        _prctl(_PR_SET_DUMPABLE, 1)  # the program's /proc entries are its own again
        _run(path)
        return
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
            signalled = posix.WIFSIGNALED(status)
            code = 128 + posix.WTERMSIG(status) if signalled else posix.WEXITSTATUS(status)
            if control is not None:
                # pooled: the host has the result now, not after the namespaces are torn down
                posix.write(control, b"x%d\n" % code)
            posix._exit(code)


if posix.getpid() == 1:
    _control = None
    if sys.argv[1].startswith("--pooled="):
        _control = int(sys.argv.pop(1).partition("=")[2])
    _init(sys.argv[1], _control)
else:
    _run(sys.argv[1])
