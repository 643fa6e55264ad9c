"""Grades one learner program against many inputs inside ONE sandbox (mounted at
/usr/lib/coderunner/batch.py): the program is compiled once, and each input gets a fresh
process forked from this harness before any learner code ran, so no state passes between runs.

Protocol (host <-> harness, over the harness's stdin/stdout):
  harness: b"ready\\n" once the program is compiled
  host:    b"<n>\\n" + n bytes of input, one input at a time, and the next only after the
           previous result arrived (so a later input is never inside the sandbox early)
  harness: one JSON line per input: exit, signal, timedOut, wallMs, stdout/stderr (base64),
           stdoutExceeded, stderrExceeded

The harness is the sandbox's init (pid 1, bwrap --as-pid-1) and makes itself non-dumpable: the
learner's processes (same uid, no capabilities) can neither read nor write its memory or
descriptors through /proc, and signals they send it are ignored (pid 1 has no handlers). Every
process a run leaves is re-parented to it, so between inputs it kills them all and reaps them
until none is left, removes every System V IPC object, and empties /tmp and /dev/shm; only then
does the result go out and the next input come in. Runs on the learners' interpreter (-S):
standard library only.
"""

import _ctypes
import builtins
import gc
import os
import posix
import select
import signal
import sys
import time
import warnings
from _sitebuiltins import Quitter
from binascii import b2a_base64
from types import CodeType, ModuleType, TracebackType

builtins.exit = Quitter("exit", "Ctrl-D (i.e. EOF)")
builtins.quit = Quitter("quit", "Ctrl-D (i.e. EOF)")
_HARNESS = __file__
_show = sys.__excepthook__
_PR_SET_DUMPABLE = 4
_SANDBOX_UID = 65534
_LOADER = getattr(sys.modules["__main__"], "__loader__")  # noqa: B009 (mypy: Any)
_NO_SHELL = (
    "os.system: this sandbox has no shell and runs no other programs, only your Python code.\n"
)
_PRCTL = _ctypes.dlsym(_ctypes.dlopen(None, 2), "prctl")  # type: ignore[arg-type]  # ctypes itself costs ~4 ms to import


_LIBC = _ctypes.dlopen(None, 2)  # type: ignore[arg-type]
_IPC_RMID = 0
# each System V IPC kind: its /proc listing and the call that removes one object by id
_IPC_KINDS = (
    ("/proc/sysvipc/shm", _ctypes.dlsym(_LIBC, "shmctl")),
    ("/proc/sysvipc/msg", _ctypes.dlsym(_LIBC, "msgctl")),
    ("/proc/sysvipc/sem", _ctypes.dlsym(_LIBC, "semctl")),
)


def _prctl(option: int, value: int) -> int:
    return int(_ctypes.call_function(_PRCTL, (option, value, 0, 0, 0)))


def _remove_ipc_objects() -> None:
    """Remove every System V shared-memory segment, message queue and semaphore set."""
    for listing, remove in _IPC_KINDS:
        try:
            with open(listing) as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 1:
                _ctypes.call_function(remove, (int(fields[1]), _IPC_RMID, 0))


def _hook(kind: "type[BaseException]", value: "BaseException", tb: "TracebackType | None") -> None:
    kept = []  # the learner's frames only (ours start the chain, and end it inside _input)
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != _HARNESS:
            kept.append(tb)
        tb = tb.tb_next
    for entry in reversed(kept):
        tb = TracebackType(tb, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
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


def _read_exact(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_message(fd: int) -> "bytes | None":
    header = b""
    while not header.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            return None
        header += byte
    return _read_exact(fd, int(header))


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


# a run keeps no descriptor of ours from here on; pooled, fd 3 is the source (the path links to it)
_first_closed = 3


def _child(code: "CodeType | None", path: str, stdin_fd: int, out_fd: int, err_fd: int) -> None:
    status = 1
    try:
        os.dup2(stdin_fd, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.closerange(_first_closed, 4096)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        # the run's own /proc entries become its own again (the harness stays hidden), and
        # under memory pressure the run dies, not the harness
        _prctl(_PR_SET_DUMPABLE, 1)
        adjust = os.open("/proc/self/oom_score_adj", os.O_WRONLY)  # not open(): ~0.2 ms less
        os.write(adjust, b"1000")
        os.close(adjust)
        main = type(sys)("__main__")
        main.__dict__.update(
            __file__=path,
            __builtins__=builtins,
            __loader__=type(_LOADER)("__main__", path),  # like python3 main.py
            __spec__=None,
            __cached__=None,
            __annotations__={},
        )
        sys.modules["__main__"] = main
        sys.excepthook = _hook
        if os.environ.get("CODERUNNER_PROMPTS") == "hidden":
            builtins.input = _input
        posix.system = _system
        os.system = _system
        try:
            if code is None:
                # it did not compile (the learner sees the SyntaxError), or compiling it warned:
                # compiling again here shows the warnings as a single run does
                with open(path, "rb") as handle:
                    code = compile(handle.read(), path, "exec", dont_inherit=True)
            # our frames (_main, _run_one, _child) do not count against the learner's depth
            sys.setrecursionlimit(sys.getrecursionlimit() + _depth() + 1)  # + exec's entry
            exec(code, main.__dict__)  # noqa: S102
            status = 0
        except SystemExit as exc:
            status = _exit_code(exc)
        except BaseException:
            sys.excepthook(*sys.exc_info())
            status = 1
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()  # wait for non-daemon threads
        import atexit

        atexit._run_exitfuncs()
        _clear_module(main)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
    finally:
        os._exit(status)


def _clear_module(module: ModuleType) -> None:
    """What interpreter exit does to a module's names (CPython's _PyModule_ClearDict): first
    those with one leading underscore, then all but __builtins__, then a collection. The
    program's objects are deleted and their __del__ prints as at the end of a single run; we
    end the process with os._exit, which does none of it."""
    names = module.__dict__
    for name in list(names):
        if name[:1] == "_" and name[1:2] != "_":
            names[name] = None
    for name in list(names):
        if name != "__builtins__":
            names[name] = None
    gc.collect()


def _reap(reaped: "dict[int, int]") -> None:
    """Collect every child that has ended (as init, every orphan of the sandbox is ours)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        reaped[pid] = status


def _kill_everything_else(reaped: "dict[int, int]") -> None:
    """SIGKILL every other process of the sandbox and reap them until none is left."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return  # no process but us is left
        except InterruptedError:
            continue
        reaped[pid] = status


def _empty(directory: str) -> None:
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        path = directory + "/" + name
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
                _empty(path)
                os.rmdir(path)
            else:
                os.unlink(path)
        except OSError:
            pass


def _run_one(code: "CodeType | None", path: str, data: bytes, wall_s: float, cap: int) -> bytes:
    stdin_fd = os.memfd_create("stdin")
    os.write(stdin_fd, data)
    os.lseek(stdin_fd, 0, os.SEEK_SET)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(code, path, stdin_fd, out_w, err_w)
    os.close(stdin_fd)
    os.close(out_w)
    os.close(err_w)
    buffers = {out_r: bytearray(), err_r: bytearray()}
    exceeded = {out_r: False, err_r: False}
    open_fds = [out_r, err_r]
    deadline = started + wall_s
    timed_out = False
    status = None
    reaped: dict[int, int] = {}
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select(open_fds, [], [], min(left, 0.05))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.remove(fd)
                continue
            room = cap - len(buffers[fd])
            if len(chunk) > room:
                exceeded[fd] = True
                chunk = chunk[:room]
            buffers[fd] += chunk
        if exceeded[out_r] or exceeded[err_r]:
            break
        if status is None:
            _reap(reaped)
            if pid in reaped:
                status = reaped[pid]
                _kill_everything_else(reaped)  # daemons of the run end with it
    wall_ms = int((time.monotonic() - started) * 1000)
    _kill_everything_else(reaped)
    if status is None:
        status = reaped.get(pid)
    for fd in (out_r, err_r):
        os.close(fd)
    _remove_ipc_objects()
    _empty("/tmp")
    _empty("/dev/shm")
    exit_code = signal_number = None
    if status is not None and os.WIFEXITED(status):
        exit_code = os.WEXITSTATUS(status)
    elif status is not None and os.WIFSIGNALED(status):
        signal_number = os.WTERMSIG(status)
    # one JSON line, written by hand: importing json costs ~8 ms of the sandbox's start-up
    fields = (
        f'"exit": {_json(exit_code)}, "signal": {_json(signal_number)}, '
        f'"timedOut": {_json(timed_out)}, "wallMs": {wall_ms}, '
        f'"stdout": "{_b64(buffers[out_r])}", "stderr": "{_b64(buffers[err_r])}", '
        f'"stdoutExceeded": {_json(exceeded[out_r])}, "stderrExceeded": {_json(exceeded[err_r])}'
    )
    return ("{" + fields + "}\n").encode()


def _json(value: "int | bool | None") -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return str(int(value))


def _b64(data: bytearray) -> str:
    return b2a_base64(bytes(data), newline=False).decode()


def _await_go(control: int) -> None:
    """Pooled: say ready, wait for the host's go (the source is in place then); never
    returns without it."""
    try:
        os.write(control, b"r")
        order = os.read(control, 1)
    except OSError:
        order = b""
    if order != b"g":
        os._exit(0)  # unused: the host destroys this sandbox
    os.close(control)


def _main() -> None:
    if os.getuid() != _SANDBOX_UID:
        # between inputs this kills every process it may signal: never outside the sandbox
        raise SystemExit("the batch harness runs only inside the sandbox")
    if os.getpid() != 1:
        raise SystemExit("the batch harness runs only as the sandbox's init")
    control = None
    if sys.argv[1].startswith("--pooled="):  # started ahead (sandbox/pool.py, ADR 0014)
        control = int(sys.argv.pop(1).partition("=")[2])
        global _first_closed
        _first_closed = 4
    path, wall_s, cap = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    _prctl(_PR_SET_DUMPABLE, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # pid 1 ignores every signal it has no handler for
    if control is not None:
        _await_go(control)
    inputs = os.dup(0)
    results = os.dup(1)
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)
    sys.argv = [path]
    sys.path[0] = path.rpartition("/")[0]
    with open(path, "rb") as handle:
        source = handle.read()
    code: CodeType | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a warning: each run compiles again and shows it
            code = compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, Warning):
        code = None
    # as guest/boot.py: our objects (the program's code among them) leave the collector's reach,
    # so a run's collections (and the one when it ends) no longer write into every page it
    # shares with us, which the kernel would copy: ~0.8 ms less per input
    gc.freeze()
    os.write(results, b"ready\n")
    while True:
        data = _read_message(inputs)
        if data is None:
            return
        os.write(results, _run_one(code, path, data, wall_s, cap))


_main()
