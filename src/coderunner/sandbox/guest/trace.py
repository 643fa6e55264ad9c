"""Step mode: runs a learner's Python program under `sys.settrace`, inside the sandbox.

At /usr/lib/coderunner/trace.py in the sandbox (the guest mount), started by boot.py like any
program: `boot.py trace.py /sandbox/main.py MAX_STEPS BUDGET_BYTES OUTPUT_BYTES`. It runs on the
learners' interpreter, so it uses only the standard library.

What it writes on stdout (the host's `sandbox.tracing` reads it):
- first a header line `@@coderunner-trace NONCE` (NONCE: random, made here before any learner
  code runs, so nothing the program prints can pass for a record by accident);
- then one line `NONCE {json}` per step: `l` line, `e` event (line/call/return/exception),
  `f` the learner's function frames [[name, line, {local: repr}]], `d` their depth when more
  than shown, `g` the learner's globals {name: repr}, `o` output printed since the step before,
  `r` a returned value, `x` an exception;
- last `NONCE {"end": why, ...}`.

The program's `print` goes to a capture (its text travels in the steps' `o`), never straight to
stdout. Values are shown without running any of the learner's code (no `__repr__`, `__str__`,
`__eq__` or properties of theirs is called): only exact built-in types are spelled out, bounded
in length, count and depth; anything else is `<Name object>`. A program that reaches the step
limit, the output limit or the trace's byte budget is ended here (it cannot catch that), after
the last record is written.

This is cooperation, not a boundary: the program runs in this same interpreter and could reach
this code. The sandbox's limits hold whatever it does; what the host accepts from this output is
validated and bounded there.
"""

import json
import posix
import sys
from typing import Any

_HERE = __file__
_BOOT = "/usr/lib/coderunner/boot.py"
_MAX_FRAMES = 8  # innermost function frames shown
_MAX_NAMES = 30  # variables per frame and in globals
_MAX_REPR = 120  # characters of one shown value
_MAX_ITEMS = 12  # items of a list, dict, set or tuple shown
_MAX_DEPTH = 3  # nesting of containers shown
_BIG_INT_BITS = 256  # beyond this a number is described, not written out (it can be slow)
_TYPE_NAME = type.__dict__["__name__"].__get__  # a class's own name, never a metaclass property

_HIDDEN = (
    type(sys),  # modules
    type(len),  # built-in functions and methods
    type(_TYPE_NAME),  # method-wrappers
    type,  # classes
)


def _kind(value: object) -> str:
    return str(_TYPE_NAME(type(value)))


def _hidden(value: object) -> bool:
    """Modules, functions and classes: the program's tools, not its data (kept off the page)."""
    kind = type(value)
    if issubclass(kind, _HIDDEN):
        return True
    name = _kind(value)
    return name in ("function", "method", "builtin_function_or_method")


def _number(value: int) -> str:
    if value.bit_length() > _BIG_INT_BITS:
        digits = int(value.bit_length() * 0.30103) + 1
        return f"<a number with about {digits} digits>"
    return int.__repr__(value)


def _show(value: object, depth: int = 0) -> str:
    """A short text of `value` that runs none of the learner's code."""
    kind = type(value)
    if value is None or kind is bool or kind is float or kind is complex or kind is range:
        return repr(value)
    if kind is int:
        return _number(value)  # type: ignore[arg-type]
    if kind is str or kind is bytes or kind is bytearray:
        text = repr(value[:_MAX_REPR])  # type: ignore[index]
        return text if len(value) <= _MAX_REPR else text + "…"  # type: ignore[arg-type]
    if kind is list or kind is tuple or kind is set or kind is frozenset or kind is dict:
        return _container(value, depth)
    return f"<{_kind(value)} object>"


_BRACKETS: "dict[Any, tuple[str, str]]" = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("{", "}"),
    dict: ("{", "}"),
}


def _container(value: object, depth: int) -> str:
    kind = type(value)
    opening, closing = _BRACKETS[kind]
    if depth >= _MAX_DEPTH:
        return opening + "…" + closing
    items: Any = dict.items(value) if kind is dict else value  # type: ignore[arg-type]
    parts: list[str] = []
    size = 0
    count = len(value)  # type: ignore[arg-type]
    for index, item in enumerate(items):
        if index >= _MAX_ITEMS or size > _MAX_REPR:
            parts.append(f"… {count - index} more")
            break
        if kind is dict:
            key, val = item
            part = _show(key, depth + 1) + ": " + _show(val, depth + 1)
        else:
            part = _show(item, depth + 1)
        parts.append(part)
        size += len(part) + 2
    if kind is tuple and count == 1:
        parts[0] += ","
    text = opening + ", ".join(parts) + closing
    if kind is set and not count:
        text = "set()"
    elif kind is frozenset:
        text = "frozenset(" + text + ")"
    return text if len(text) <= _MAX_REPR * 2 else text[: _MAX_REPR * 2] + "…"


def _names(space: dict[str, object]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, value in dict.items(space):
        if type(name) is not str or name.startswith("__") or _hidden(value):
            continue
        if len(shown) >= _MAX_NAMES:
            shown["…"] = f"{len(space) - _MAX_NAMES} more"
            break
        shown[name] = _show(value)
    return shown


def _exception_text(error: BaseException) -> str:
    """`Kind: message` without calling the exception's own __str__ (it may be the learner's)."""
    args = BaseException.__dict__["args"].__get__(error)  # not a property of the learner's
    if len(args) == 1 and type(args[0]) is str:
        message = args[0][:200]
    elif not args:
        message = ""
    else:
        message = _show(args)
    return f"{_kind(error)}: {message}" if message else _kind(error)


class _Bytes:
    """`sys.stdout.buffer`: bytes written there join the captured text."""

    def __init__(self, text: "_Capture") -> None:
        self._text = text

    def write(self, data: bytes) -> int:
        self._text.write(bytes(data).decode("utf-8", "replace"))
        return len(data)

    def flush(self) -> None:
        return None


class _Capture:
    """The program's stdout: what it prints is kept for the next step's record."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, tracer: "_Tracer", cap: int) -> None:
        self._tracer = tracer
        self._parts: list[str] = []
        self._size = 0
        self._cap = cap
        self.buffer = _Bytes(self)

    def write(self, text: str) -> int:
        if type(text) is not str:
            raise TypeError(f"write() argument must be str, not {_kind(text)}")
        room = self._cap - self._size
        self._size += len(text)
        self._parts.append(text[: max(0, room)])
        if len(text) > room:
            self._tracer.stop("output")
        return len(text)

    def writelines(self, lines: "list[str]") -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def fileno(self) -> int:
        return 1

    def take(self) -> str:
        text = "".join(self._parts)
        self._parts.clear()
        return text


class _Tracer:
    def __init__(self, path: str, max_steps: int, budget: int, output_cap: int) -> None:
        self.path = path
        self.max_steps = max_steps
        self.budget = budget
        self.used = 0
        self.steps = 0
        self.nonce = posix.urandom(12).hex()
        self.fd = posix.dup(1)  # our channel, even if the program closes its stdout
        self.out = _Capture(self, output_cap)
        self.module_frame: object = None
        self.failing: object = None  # the frame an exception is leaving
        self.tampered = False

    # writing ------------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        while data:
            done = posix.write(self.fd, data)
            data = data[done:]

    def header(self) -> None:
        self._write(f"@@coderunner-trace {self.nonce}\n".encode())

    def _emit(self, record: "dict[str, object]") -> bool:
        line = ("\n" + self.nonce + " " + json.dumps(record, separators=(",", ":"))).encode()
        if self.used + len(line) > self.budget:
            return False
        self.used += len(line)
        self._write(line)
        return True

    def end(self, why: str, status: int = 0, error: str = "", line: int = 0) -> None:
        record: dict[str, object] = {"end": why, "status": status}
        output = self.out.take()
        if output:
            record["o"] = output
        if error:
            record["err"] = error[:500]
            record["el"] = line
        if self.tampered:
            record["tampered"] = True
        self.budget += 4096 + len(output) * 6  # the end record always goes out
        self._emit(record)
        self._write(b"\n")

    def stop(self, why: str) -> None:
        """End the program here, after the last record (it can't catch this)."""
        _settrace(None)
        self.end(why)
        try:
            sys.__stderr__.flush()  # type: ignore[union-attr]
        finally:
            posix._exit(0)

    # tracing ------------------------------------------------------------------------------

    def on_call(self, frame: object, event: str, arg: object) -> object:
        if frame.f_code.co_filename != self.path:  # type: ignore[attr-defined]
            return None
        if self.module_frame is None:
            self.module_frame = frame
        else:
            self._step(frame, event, arg)
        return self.on_event

    def on_event(self, frame: object, event: str, arg: object) -> object:
        if event == "exception" and issubclass(arg[0], SystemExit):  # type: ignore[index]
            return self.on_event
        if event == "return" and frame is self.failing:
            self.failing = None  # it leaves by the exception already shown
            return self.on_event
        self._step(frame, event, arg)
        self.failing = frame if event == "exception" else None
        return self.on_event

    def _frames(self, frame: object) -> "tuple[list[object], int]":
        shown: list[object] = []
        depth = 0
        current = frame
        while current is not None:
            code = current.f_code  # type: ignore[attr-defined]
            if code.co_filename == _HERE:
                break
            if code.co_filename == self.path and current is not self.module_frame:
                depth += 1
                if len(shown) < _MAX_FRAMES:
                    shown.append([code.co_name, current.f_lineno, _names(current.f_locals)])  # type: ignore[attr-defined]
            current = current.f_back  # type: ignore[attr-defined]
        shown.reverse()
        return shown, depth

    def _step(self, frame: object, event: str, arg: object) -> None:
        if self.steps >= self.max_steps:
            self.stop("steps")
        self.steps += 1
        frames, depth = self._frames(frame)
        record: dict[str, object] = {"l": frame.f_lineno, "e": event}  # type: ignore[attr-defined]
        if frames:
            record["f"] = frames
        if depth > len(frames):
            record["d"] = depth
        record["g"] = _names(frame.f_globals)  # type: ignore[attr-defined]
        output = self.out.take()
        if output:
            record["o"] = output
        if event == "return" and frame is not self.module_frame:
            record["r"] = _show(arg)
        if event == "exception":
            record["x"] = _exception_text(arg[1])  # type: ignore[index]
        if not self._emit(record):
            self.out._parts.insert(0, output)
            self.stop("size")


_settrace = sys.settrace
_gettrace = sys.gettrace


def _guard(tracer: _Tracer) -> None:
    """The program may not switch the tracer off or swap it (it is told nothing; the trace
    says so at the end)."""

    def settrace(function: object) -> None:
        tracer.tampered = True

    def gettrace() -> None:
        return None

    sys.settrace = settrace
    sys.gettrace = gettrace


def _show_error(error: BaseException) -> int:
    """Print the traceback as a plain run would (without our frames); the line it happened."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in (_HERE, _BOOT):
        tb = tb.tb_next
    line = 0
    last = tb
    while last is not None:
        if last.tb_frame.f_code.co_filename == _HERE:
            break
        line = last.tb_lineno
        last = last.tb_next
    sys.__excepthook__(type(error), error.with_traceback(tb), tb)
    return line


def _exit_status(error: SystemExit) -> int:
    code = error.code
    if code is None:
        return 0
    if type(code) is int:
        return code & 0xFF
    sys.__stderr__.write(f"{_show(code) if type(code) is not str else code}\n")  # type: ignore[union-attr]
    return 1


def _depth() -> int:
    frame, depth = sys._getframe(1), 1
    while frame.f_back is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def _main(argv: "list[str]") -> None:
    path, max_steps, budget, output_cap = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    tracer = _Tracer(path, max_steps, budget, output_cap)
    tracer.header()
    main = sys.modules["__main__"]
    learner = type(sys)("__main__")
    learner.__dict__.update(
        __file__=path,
        __builtins__=main.__dict__["__builtins__"],
        __loader__=type(main.__loader__)("__main__", path),  # type: ignore[call-arg,misc]
        __spec__=None,
        __cached__=None,
        __annotations__={},
    )
    sys.argv = [path]
    sys.path[0] = path.rpartition("/")[0]
    try:
        with open(path, "rb") as handle:
            code = compile(handle.read(), path, "exec", dont_inherit=True)
    except SyntaxError as error:
        line = _show_error(error)
        tracer.end("error", 1, _exception_text(error), error.lineno or line)
        sys.__stderr__.flush()  # type: ignore[union-attr]
        posix._exit(1)
    sys.modules["__main__"] = learner
    sys.stdout = sys.__stdout__ = tracer.out  # type: ignore[assignment,misc]
    sys.setrecursionlimit(sys.getrecursionlimit() + _depth() + 2)
    _guard(tracer)
    why, status, error_text, line = "finished", 0, "", 0
    try:
        _settrace(tracer.on_call)  # type: ignore[arg-type]
        exec(code, learner.__dict__)  # noqa: S102
    except SystemExit as error:
        _settrace(None)
        why, status = "exit", _exit_status(error)
    except BaseException as error:  # the learner's error, shown as a plain run shows it
        _settrace(None)
        why, status, error_text = "error", 1, _exception_text(error)
        line = _show_error(error)
    finally:
        if _gettrace() != tracer.on_call and why == "finished":
            tracer.tampered = True
        _settrace(None)
    tracer.end(why, status, error_text, line)
    try:
        sys.__stderr__.flush()  # type: ignore[union-attr]
    finally:
        posix._exit(status)


_main(sys.argv)
