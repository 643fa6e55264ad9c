"""From what a run did to its verdict: one rule set for single runs and batches."""

from __future__ import annotations

import signal as signals
from dataclasses import dataclass

from .limits import Limits
from .output import to_text
from .result import RunResult, Verdict

_SIGNALS = {int(s) for s in signals.Signals}


@dataclass(frozen=True, slots=True)
class Observed:
    exit_status: int | None  # as a shell reports it: 128 + N for a signal N
    stdout: bytes
    stderr: bytes
    stdout_exceeded: bool
    stderr_exceeded: bool
    timed_out: bool
    cpu_exceeded: bool
    oom_killed: bool
    cpu_ms: int
    wall_ms: int
    memory_kb: int


def split_status(exit_status: int | None) -> tuple[int | None, int | None]:
    """(exit code, signal) from a shell-style status; bwrap reports a signal N as 128 + N."""
    if exit_status is not None and exit_status > 128 and exit_status - 128 in _SIGNALS:
        return None, exit_status - 128
    return exit_status, None


def classify(seen: Observed, limits: Limits) -> RunResult:
    exit_code, sig = split_status(seen.exit_status)
    truncated = seen.stdout_exceeded or seen.stderr_exceeded
    if truncated:
        verdict = Verdict.OUTPUT_LIMIT_EXCEEDED
    elif seen.oom_killed or _memory_error(exit_code, seen.stderr):
        verdict = Verdict.MEMORY_LIMIT_EXCEEDED
    elif (
        seen.timed_out
        or seen.cpu_exceeded
        or sig == signals.SIGXCPU
        or seen.cpu_ms > limits.cpu_time_s * 1000
    ):
        verdict = Verdict.TIME_LIMIT_EXCEEDED
    elif exit_code == 0:
        verdict = Verdict.OK
    else:
        verdict = Verdict.RUNTIME_ERROR
    return RunResult(
        verdict=verdict,
        exit_code=exit_code,
        signal=sig,
        stdout=to_text(seen.stdout),
        stderr=to_text(seen.stderr),
        time_ms=seen.cpu_ms,
        wall_ms=seen.wall_ms,
        memory_kb=seen.memory_kb,
        truncated=truncated,
    )


def _memory_error(exit_code: int | None, stderr: bytes) -> bool:
    """A runtime's own out-of-memory report, below the cgroup's limit.

    Python: the last line is MemoryError. Java: an uncaught OutOfMemoryError (heap, metaspace,
    threads). Node: V8's fatal "heap out of memory", which aborts the process.
    """
    tail = stderr[-4096:]
    if exit_code == 1:
        last = tail.rstrip().rsplit(b"\n", 1)[-1]
        if last.startswith(b"MemoryError"):
            return True
        return b'Exception in thread "main" java.lang.OutOfMemoryError' in tail
    return b"FATAL ERROR:" in tail and b"JavaScript heap out of memory" in tail
