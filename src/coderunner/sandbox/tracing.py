"""Step mode, the host's side: run a Python program under the tracer (`guest/trace.py`) in the
sandbox and read back its steps.

The tracer runs inside the sandbox with the program, under the same time and memory limits;
what it writes is untrusted like any output of the program: only records after its header that
carry its nonce are read, each is checked for shape, and every string, list and map in it is
bounded again here, so a forged or damaged trace can only ever show odd values, never more.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from .bwrap import GUEST_MOUNT
from .languages import get_language
from .limits import Limits
from .result import RunResult, Verdict
from .runner import Sandbox

TRACER_PATH = f"{GUEST_MOUNT}/trace.py"
HEADER = "@@coderunner-trace "

MAX_STEPS = 1000
TRACE_BUDGET_BYTES = 512 * 1024  # the records of one trace, as the tracer writes them
EVENTS = frozenset({"line", "call", "return", "exception"})
ENDS = frozenset({"finished", "exit", "error", "steps", "output", "size"})
_TEXT = 300  # characters of one shown value, name or message kept here
_NAMES = 31  # names per scope kept here (the tracer shows 30 and a "…" line)
_FRAMES = 8
_OUTPUT = 64 * 1024


@dataclass(slots=True)
class TraceRun:
    """A traced run: the plain result (stdout is the program's output) and its steps."""

    result: RunResult
    steps: list[dict[str, Any]] = field(default_factory=list)
    # why it ended: finished, exit, error, steps, output, size (from the tracer); time, memory,
    # stopped (the tracer never said: the sandbox ended it, or the program left on its own)
    end: str = "stopped"
    max_steps: int = MAX_STEPS
    tampered: bool = False  # the program tried to switch the tracer off or swap it
    error: str | None = None  # "Kind: message" of an uncaught exception
    error_line: int | None = None
    rejected: int = 0  # records that failed the checks (forged or damaged)


def _text(value: object, limit: int = _TEXT) -> str | None:
    if not isinstance(value, str):
        return None
    clean = value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\\x00")
    return clean if len(clean) <= limit else clean[:limit] + "…"


def _names(value: object) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    shown: dict[str, str] = {}
    for name, text in value.items():
        if len(shown) >= _NAMES:
            break
        key, val = _text(name, 60), _text(text)
        if key is None or val is None:
            return None
        shown[key] = val
    return shown


def _line(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1_000_000:
        return None
    return value


def _frame(value: object) -> dict[str, Any] | None:
    if not isinstance(value, list) or len(value) != 3:
        return None
    name, line, names = _text(value[0], 60), _line(value[1]), _names(value[2])
    if name is None or line is None or names is None:
        return None
    return {"name": name, "line": line, "locals": names}


def _step(record: dict[str, Any]) -> dict[str, Any] | None:
    line, event, names = _line(record.get("l")), record.get("e"), _names(record.get("g", {}))
    if line is None or event not in EVENTS or names is None:
        return None
    raw_frames = record.get("f", [])
    if not isinstance(raw_frames, list):
        return None
    frames = [_frame(f) for f in raw_frames[:_FRAMES]]
    if any(f is None for f in frames):
        return None
    step: dict[str, Any] = {"line": line, "event": event, "frames": frames, "globals": names}
    depth = _line(record.get("d"))
    if depth is not None and depth > len(frames):
        step["depth"] = depth
    output = _text(record.get("o", ""), _OUTPUT)
    if output:
        step["output"] = output
    if event == "return" and "r" in record:
        step["returned"] = _text(record["r"])
    if event == "exception":
        step["exception"] = _text(record.get("x")) or "Exception"
    return step


def _records(stdout: str) -> tuple[list[dict[str, Any]], list[str], bool]:
    """The tracer's records, the other lines (raw writes to fd 1), whether the header was seen."""
    first, _, rest = stdout.partition("\n")
    if not first.startswith(HEADER):
        return [], [stdout] if stdout else [], False
    mark = first.removeprefix(HEADER).strip() + " "
    records: list[dict[str, Any]] = []
    stray: list[str] = []
    for line in rest.split("\n"):
        if not line.startswith(mark):
            if line:
                stray.append(line)
            continue
        try:
            record = json.loads(line[len(mark) :])
        except ValueError:
            record = None
        records.append(record if isinstance(record, dict) else {})
    return records, stray, True


def parse(run: RunResult, max_steps: int = MAX_STEPS) -> TraceRun:
    """The trace in `run.stdout` (the tracer's records); `result.stdout` becomes the output."""
    records, stray, _seen = _records(run.stdout)
    trace = TraceRun(result=run, max_steps=max_steps)
    output: list[str] = []
    for record in records:
        if "end" in record:
            if record.get("end") in ENDS:
                trace.end = str(record["end"])
                trace.tampered = record.get("tampered") is True
                trace.error = _text(record.get("err"))
                trace.error_line = _line(record.get("el")) or None
                output.append(_text(record.get("o", ""), _OUTPUT) or "")
            else:
                trace.rejected += 1
            break
        step = _step(record)
        if step is None or len(trace.steps) >= max_steps:
            trace.rejected += 1
            continue
        trace.steps.append(step)
        output.append(step.get("output", ""))
    if trace.end == "stopped":
        if run.verdict is Verdict.TIME_LIMIT_EXCEEDED:
            trace.end = "time"
        elif run.verdict is Verdict.MEMORY_LIMIT_EXCEEDED:
            trace.end = "memory"
    text = "".join(output) + "".join(line + "\n" for line in stray)
    trace.result = dataclasses.replace(run, stdout=text[: _OUTPUT * 2])
    if trace.end == "output":  # the tracer kept the program's own output limit
        trace.result = dataclasses.replace(
            trace.result, verdict=Verdict.OUTPUT_LIMIT_EXCEEDED, truncated=True
        )
    return trace


def trace_limits(limits: Limits) -> Limits:
    """The run's limits with room on stdout for the records (the program's own output cap is
    kept by the tracer)."""
    room_kb = (TRACE_BUDGET_BYTES + limits.output_bytes * 6) // 1024 + 16
    return limits.with_overrides(output_kb=max(limits.output_kb, room_kb))


def trace_python(
    sandbox: Sandbox,
    code: str | bytes,
    stdin: str | bytes = "",
    limits: Limits | None = None,
    max_steps: int = MAX_STEPS,
) -> TraceRun:
    """Run `code` (Python) under the tracer in the sandbox and read its steps back."""
    lang = get_language("python", sandbox.config.languages)
    effective = sandbox.resolve_limits(lang, limits)
    output_cap = effective.output_bytes
    run_limits = trace_limits(effective).capped_by(sandbox.config.maxima)
    argv = lang.argv(lang.run)
    at = argv.index(lang.source_path)
    argv[at:] = [
        TRACER_PATH,
        lang.source_path,
        str(max_steps),
        str(TRACE_BUDGET_BYTES),
        str(output_cap),
    ]
    source = code.encode() if isinstance(code, str) else code
    data = stdin.encode() if isinstance(stdin, str) else stdin
    with sandbox.uids.slot():
        run = sandbox._execute(lang, argv, source, data, run_limits)
    return parse(run, max_steps)
