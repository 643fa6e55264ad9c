"""Grades one learner program against many inputs inside ONE sandbox (mounted at
/usr/lib/coderunner/batch.py): the program is compiled once, and each input gets a fresh
process forked from this harness before any learner code ran, so no state passes between runs.

Protocol (host <-> harness, over the harness's stdin/stdout):
  harness: b"ready\\n" once the program is compiled
  host:    b"<n>\\n" + n bytes of input, one input at a time, and the next only after the
           previous result arrived (so a later input is never inside the sandbox early)
  harness: one JSON line per input: exit, signal, timedOut, wallMs, stdout/stderr (base64),
           stdoutExceeded, stderrExceeded

Between inputs every process of the previous run is killed and /tmp and /dev/shm are emptied.
The harness makes itself non-dumpable, so learner processes (same uid, no capabilities) can't
read its memory or file descriptors through /proc. Runs on the learners' interpreter (-S):
standard library only.
"""

import _ctypes
import builtins
import os
import select
import signal
import sys
import time
from _sitebuiltins import Quitter
from binascii import b2a_base64
from types import CodeType, TracebackType

builtins.exit = Quitter("exit", "Ctrl-D (i.e. EOF)")
builtins.quit = Quitter("quit", "Ctrl-D (i.e. EOF)")
_HARNESS = __file__
_show = sys.__excepthook__
_PR_SET_DUMPABLE = 4
_SANDBOX_UID = 65534
_PRCTL = _ctypes.dlsym(_ctypes.dlopen(None, 2), "prctl")  # type: ignore[arg-type]  # ctypes itself costs ~4 ms to import


def _prctl(option: int, value: int) -> int:
    return int(_ctypes.call_function(_PRCTL, (option, value, 0, 0, 0)))


def _hook(kind: "type[BaseException]", value: "BaseException", tb: "TracebackType | None") -> None:
    while tb is not None and tb.tb_frame.f_code.co_filename == _HARNESS:
        tb = tb.tb_next
    _show(kind, value.with_traceback(tb), tb)


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


def _child(code: "CodeType | None", path: str, stdin_fd: int, out_fd: int, err_fd: int) -> None:
    status = 1
    try:
        os.dup2(stdin_fd, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.closerange(3, 4096)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        # the run's own /proc entries become its own again (the harness stays hidden), and
        # under memory pressure the run dies, not the harness
        _prctl(_PR_SET_DUMPABLE, 1)
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
        main = type(sys)("__main__")
        main.__file__ = path
        sys.modules["__main__"] = main
        sys.excepthook = _hook
        try:
            if code is None:  # it did not compile: let the learner see the SyntaxError
                with open(path, "rb") as handle:
                    code = compile(handle.read(), path, "exec", dont_inherit=True)
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
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
    finally:
        os._exit(status)


def _kill_everything_else(reaped: "dict[int, int]") -> None:
    """SIGKILL every process we may signal (all but us and init); note our children's status."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.0005)
        else:
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
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = raw
                _kill_everything_else(reaped)  # daemons of the run end with it
    wall_ms = int((time.monotonic() - started) * 1000)
    _kill_everything_else(reaped)
    if status is None:
        status = reaped.get(pid)
    for fd in (out_r, err_r):
        os.close(fd)
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


def _main() -> None:
    if os.getuid() != _SANDBOX_UID:
        # between inputs this kills every process it may signal: never outside the sandbox
        raise SystemExit("the batch harness runs only inside the sandbox")
    path, wall_s, cap = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    _prctl(_PR_SET_DUMPABLE, 0)
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
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        code = None
    os.write(results, b"ready\n")
    while True:
        data = _read_message(inputs)
        if data is None:
            return
        os.write(results, _run_one(code, path, data, wall_s, cap))


_main()
