"""Grading many inputs in one sandbox: the host side of the batch harness (guest/batch.py).

One bubblewrap sandbox and one cgroup serve all inputs of a submission; the harness forks a
fresh process per input. The host feeds one input at a time, resets the peak-memory counter and
reads the CPU and OOM counters of the cgroup between inputs, so each result carries its own
figures. Whatever the harness could not finish (it died, the batch deadline passed) is left
out of the returned list and the caller runs those inputs one sandbox each.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import selectors
import signal
import time
from binascii import a2b_base64
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .cgroups import CgroupError, RunGroup
from .languages import Language
from .launch import Launched, Waiting, launch
from .limits import Limits
from .result import RunResult
from .verdicts import Observed, classify

if TYPE_CHECKING:
    from .runner import Sandbox

_F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20
HARNESS_MEMORY_MB = 16  # the harness's own interpreter shares the cgroup with the runs


class BatchRun:
    def __init__(
        self, sandbox: Sandbox, lang: Language, source: bytes, stdins: list[bytes], limits: Limits
    ) -> None:
        if lang.batch is None:
            raise ValueError(f"{lang.key} has no batch harness")
        self.batch_argv = lang.batch
        self.sandbox = sandbox
        self.lang = lang
        self.source = source
        self.stdins = stdins
        self.limits = limits
        self.group_limits = replace(limits, memory_mb=limits.memory_mb + HARNESS_MEMORY_MB)
        self.wall_s = sandbox.config.wall_clock_s(limits)
        self.cpu_limit_ms = limits.cpu_time_s * 1000
        self._over_cpu = False  # the current input used up its CPU time: its processes die
        self.results: list[RunResult] = []

    def execute(self) -> list[RunResult]:
        pool = self.sandbox.pool
        waiting = None
        if pool is not None and self.lang.pooled_batch is not None:
            waiting = pool.take(self.lang, self.limits, False, batch=True)
        if waiting is not None:
            assert pool is not None
            try:
                return self._execute_pooled(waiting)
            finally:
                pool.done(waiting)
        try:
            feed_r, feed_w = os.pipe2(os.O_CLOEXEC)
        except OSError:
            return []
        try:
            fcntl.fcntl(feed_w, _F_SETPIPE_SZ, PIPE_BYTES)
            command = [
                part.replace("{wall}", str(self.wall_s)).replace(
                    "{cap}", str(self.limits.output_bytes)
                )
                for part in self.lang.argv(self.batch_argv)
            ]
            run = launch(
                self.sandbox, self.lang, command, self.source, feed_r, b"", self.limits,
                group_limits=self.group_limits,
            )  # fmt: skip
        except (OSError, CgroupError):
            os.close(feed_w)
            return []
        finally:
            os.close(feed_r)
        try:
            self._supervise(run, feed_w)
        except (OSError, CgroupError, ValueError, KeyError):
            pass  # what finished is kept; the rest is run one by one
        finally:
            if feed_w != -1:
                with contextlib.suppress(OSError):
                    os.close(feed_w)
            run.finish()
        return self.results

    def _execute_pooled(self, waiting: Waiting) -> list[RunResult]:
        """The batch in a pooled sandbox (pool.py): its harness is up, waiting for the source."""
        try:
            waiting.start(self.source, b"")
        except (OSError, CgroupError):
            return []  # nothing ran: the caller runs the inputs one by one
        try:
            self._supervise(waiting.run, waiting.stdin)
        except (OSError, CgroupError, ValueError, KeyError):
            pass  # what finished is kept; the rest is run one by one
        finally:
            waiting.run.group.kill_now()  # the pool tears the sandbox down after we answered
        return self.results

    def _supervise(self, run: Launched, feed_w: int) -> None:
        lines = bytearray()
        per_input = self.wall_s + 1.0
        harness = -1
        deadline = time.monotonic() + per_input + 2.0  # start-up, then one input at a time
        marks: tuple[int, int, float] = (0, 0, 0.0)
        with selectors.DefaultSelector() as selector:
            for fd in (run.stdout, run.stderr, run.status):
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map() and len(self.results) < len(self.stdins):
                now = time.monotonic()
                if now >= deadline:
                    return
                for key, _ in selector.select(min(0.05, deadline - now)):
                    chunk = os.read(key.fd, 1 << 16)
                    if not chunk:
                        selector.unregister(key.fd)
                    elif key.fd == run.status:
                        run.status_raw += chunk
                    elif key.fd == run.stdout:
                        lines += chunk
                    # the harness's own stderr is not the learner's: it is dropped
                while b"\n" in lines:
                    line, _, rest = lines.partition(b"\n")
                    lines = bytearray(rest)
                    if line == b"ready":
                        harness = _child_of(run.pid)
                        marks = self._send(run.group, feed_w, 0)
                        deadline = time.monotonic() + per_input
                        continue
                    self.results.append(self._result(json.loads(line), run.group, marks))
                    if len(self.results) < len(self.stdins):
                        marks = self._send(run.group, feed_w, len(self.results))
                        deadline = time.monotonic() + per_input
                if len(lines) > 4 * PIPE_BYTES:
                    return  # the harness never sends this much in one line
                if harness > 0 and run.group.cpu_ms() - marks[0] > self.cpu_limit_ms:
                    # the time limit is CPU time, per input: end this input's processes (the
                    # harness reports the run killed, and the result is TIME_LIMIT_EXCEEDED)
                    self._over_cpu = True
                    for pid in run.group.pids() - {run.pid, harness}:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)

    def _send(self, group: RunGroup, feed_w: int, index: int) -> tuple[int, int, float]:
        self._over_cpu = False
        group.reset_peak()
        usage = group.usage()
        data = self.stdins[index]
        os.write(feed_w, f"{len(data)}\n".encode() + data)
        return usage.cpu_ms, usage.oom_kills, time.monotonic()

    def _result(
        self, raw: dict[str, Any], group: RunGroup, marks: tuple[int, int, float]
    ) -> RunResult:
        cpu_before, ooms_before, _ = marks
        usage = group.usage()
        exit_status = raw["exit"] if raw["signal"] is None else 128 + int(raw["signal"])
        return classify(
            Observed(
                exit_status=exit_status,
                stdout=a2b_base64(raw["stdout"]),
                stderr=a2b_base64(raw["stderr"]),
                stdout_exceeded=bool(raw["stdoutExceeded"]),
                stderr_exceeded=bool(raw["stderrExceeded"]),
                timed_out=bool(raw["timedOut"]),
                cpu_exceeded=self._over_cpu,
                oom_killed=usage.oom_kills > ooms_before,
                cpu_ms=max(0, usage.cpu_ms - cpu_before),
                wall_ms=int(raw["wallMs"]),
                memory_kb=usage.peak_memory_kb,
            ),
            self.limits,
        )


def _child_of(pid: int) -> int:
    """The one child of bwrap's outer process: the harness (pid 1 inside), or -1."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            children = handle.read().split()
    except OSError:
        return -1
    return int(children[0]) if len(children) == 1 else -1
