"""Grading many inputs in one sandbox: the host side of the batch harness (python_batch.py).

One bubblewrap sandbox and one cgroup serve all inputs of a submission; the harness forks a
fresh process per input. The host feeds one input at a time, resets the peak-memory counter and
reads the CPU and OOM counters of the cgroup between inputs, so each result carries its own
figures. Whatever the harness could not finish (it died, the batch deadline passed) is left
out of the returned list and the caller runs those inputs one sandbox each.
"""

from __future__ import annotations

import fcntl
import json
import os
import selectors
import subprocess
import time
from binascii import a2b_base64
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .bwrap import RunFds, build_argv, launcher
from .cgroups import CgroupError, RunGroup
from .languages import Language
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
        self.results: list[RunResult] = []

    def execute(self) -> list[RunResult]:
        from .runner import _memfd, _OwnedFds, _parse_status, _reap

        opened = _OwnedFds()
        try:
            source_fd = _memfd("source", self.source)
            seccomp_fd = _memfd("seccomp", self.sandbox.seccomp_program)
            opened.add(source_fd, seccomp_fd)
            status_r, status_w = os.pipe2(os.O_CLOEXEC)
            block_r, block_w = os.pipe2(os.O_CLOEXEC)
            feed_r, feed_w = os.pipe2(os.O_CLOEXEC)
            opened.add(status_r, status_w, block_r, block_w, feed_r, feed_w)
            fcntl.fcntl(feed_w, _F_SETPIPE_SZ, PIPE_BYTES)
            group = self.sandbox.cgroups.create(self.group_limits)
        except (OSError, CgroupError):
            opened.close_all()
            return []
        fds = RunFds(source=source_fd, seccomp=seccomp_fd, status=status_w, block=block_r)
        command = [
            part.replace("{wall}", str(self.limits.wall_time_s)).replace(
                "{cap}", str(self.limits.output_bytes)
            )
            for part in self.lang.argv(self.batch_argv)
        ]
        argv = launcher(self.sandbox.config.host_uid, self.limits) + build_argv(
            self.sandbox.config.bwrap, self.lang, command, self.group_limits, fds
        )
        status: dict[str, int] = {}
        try:
            proc = subprocess.Popen(
                argv,
                stdin=feed_r,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                pass_fds=(source_fd, seccomp_fd, status_w, block_r),
                env={"PATH": "/usr/bin:/bin"},
                cwd="/",
                close_fds=True,
            )
            for fd in (status_w, block_r, feed_r):
                opened.close(fd)
            try:
                status = self._supervise(proc, group, status_r, block_w, feed_w, opened)
            finally:
                group.kill_all()
                try:
                    proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                if proc.stdout is not None:
                    proc.stdout.close()
                status = status or _parse_status(b"")
                if "child-pid" in status:
                    _reap(status["child-pid"])
        except (OSError, subprocess.SubprocessError, CgroupError, ValueError):
            pass  # what finished is kept; the rest is run one by one
        finally:
            opened.close_all()
            try:
                group.remove()
            except (CgroupError, OSError):
                from .runner import log

                log.error("batch cgroup not removed")
        return self.results

    def _supervise(
        self,
        proc: subprocess.Popen[bytes],
        group: RunGroup,
        status_r: int,
        block_w: int,
        feed_w: int,
        opened: Any,
    ) -> dict[str, int]:
        from .runner import _parse_status

        assert proc.stdout is not None
        out_fd = proc.stdout.fileno()
        status_raw = bytearray()
        lines = bytearray()
        per_input = self.limits.wall_time_s + 1.0
        deadline = time.monotonic() + per_input + 2.0  # start-up, then one input at a time
        released = False
        marks: tuple[int, int, float] = (0, 0, 0.0)
        with selectors.DefaultSelector() as selector:
            selector.register(out_fd, selectors.EVENT_READ)
            selector.register(status_r, selectors.EVENT_READ)
            while selector.get_map() and len(self.results) < len(self.stdins):
                now = time.monotonic()
                if now >= deadline:
                    break
                for key, _ in selector.select(min(0.05, deadline - now)):
                    chunk = os.read(key.fd, 1 << 16)
                    if not chunk:
                        selector.unregister(key.fd)
                    elif key.fd == status_r:
                        status_raw += chunk
                    else:
                        lines += chunk
                if not released:
                    child = _parse_status(bytes(status_raw)).get("child-pid")
                    if child is None:
                        continue
                    for procs in group.procs_fds():
                        os.write(procs, str(child).encode())
                    os.write(block_w, b"1")
                    released = True
                while b"\n" in lines:
                    line, _, rest = lines.partition(b"\n")
                    lines = bytearray(rest)
                    if line == b"ready":
                        marks = self._send(group, feed_w, 0)
                        deadline = time.monotonic() + per_input
                        continue
                    self.results.append(self._result(json.loads(line), group, marks))
                    if len(self.results) < len(self.stdins):
                        marks = self._send(group, feed_w, len(self.results))
                        deadline = time.monotonic() + per_input
                    else:
                        opened.close(feed_w)  # end of inputs: the harness exits
                if len(lines) > 4 * PIPE_BYTES:
                    break  # the harness never sends this much in one line
        return _parse_status(bytes(status_raw))

    def _send(self, group: RunGroup, feed_w: int, index: int) -> tuple[int, int, float]:
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
                cpu_exceeded=False,
                oom_killed=usage.oom_kills > ooms_before,
                cpu_ms=max(0, usage.cpu_ms - cpu_before),
                wall_ms=int(raw["wallMs"]),
                memory_kb=usage.peak_memory_kb,
            ),
            self.limits,
        )
