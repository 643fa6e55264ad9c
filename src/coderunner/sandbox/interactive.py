"""A console run: the program's stdin and stdout stay open while it runs, for a learner to answer
its `input()` questions as they come.

Same sandbox as every run (bubblewrap, the run's cgroup, rlimits, seccomp, a uid of the pool):
only the plumbing differs. Stdin is a pipe the host writes answers into; stdout and stderr are
read as they are printed and handed to `emit` (Python runs unbuffered, `prompts.console`).

Limits: CPU time, memory, processes and output are the language's, as for Run. The wall clock
is replaced by two limits of the console's own: `idle_s` (nothing printed, no answer typed and
no CPU used for that long: the program waits for an answer nobody gives, or sleeps) and
`session_s` (the longest a console lasts). Output past the output limit ends the program
(OUTPUT_LIMIT_EXCEEDED, as for Run). Back-pressure: while `room()` says the reader is behind,
the host stops reading the pipes, so a program that floods blocks on its own writes.
"""

from __future__ import annotations

import contextlib
import enum
import os
import selectors
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cgroups import CgroupError
from .drawing import DRAWING_BYTES, with_drawing
from .languages import Language, get_language
from .launch import Launched, fresh_build_dir, launch
from .limits import Limits
from .output import CappedBuffer
from .prompts import console
from .result import RunResult, Verdict
from .verdicts import Observed, classify

if TYPE_CHECKING:
    from .runner import Sandbox

_POLL_S = 0.05
# CPU use above this between two looks counts as the program doing something (not idle)
_BUSY_MS = 20

Emit = Callable[[str, bytes], None]  # ("stdout" | "stderr", the bytes just printed)


@dataclass(frozen=True, slots=True)
class ConsoleLimits:
    idle_s: float = 60.0  # nothing printed, typed or computed for this long: the console ends
    session_s: float = 600.0  # a console never lasts longer than this
    input_bytes: int = 65536  # all answers of one console together


class Ended(enum.StrEnum):
    EXITED = "exited"  # the program ended (or hit a limit of its own: CPU, memory, output)
    IDLE = "idle"  # it waited idle_s with nothing happening
    SESSION = "session"  # the console lasted session_s
    STOPPED = "stopped"  # the learner pressed Stop


@dataclass(frozen=True, slots=True)
class ConsoleResult:
    run: RunResult
    ended: Ended


class ConsoleRun:
    """One console. `run()` blocks (call it from a worker thread); `send` and `stop` may be called
    from any thread while it runs."""

    def __init__(self, emit: Emit, room: Callable[[], bool], limits: ConsoleLimits) -> None:
        self._emit = emit
        self._room = room
        self.limits = limits
        self._lock = threading.Lock()
        self._pending = bytearray()
        self._sent = 0
        self._stopped = threading.Event()
        self._finished = threading.Event()
        self._wake = -1  # write end of a pipe that wakes the supervising loop at once

    def send(self, data: bytes) -> bool:
        """Queue an answer for the program's stdin; False when the console has ended or the
        answers of this console are over `input_bytes`."""
        with self._lock:
            if self._finished.is_set() or self._sent + len(data) > self.limits.input_bytes:
                return False
            self._sent += len(data)
            self._pending += data
            self._wake_up()
            return True

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            self._wake_up()

    def _wake_up(self) -> None:  # holding the lock
        if self._wake >= 0:
            with contextlib.suppress(OSError):  # a full pipe is already a wake-up
                os.write(self._wake, b"!")

    def run(
        self, sandbox: Sandbox, language: str, code: str | bytes, limits: Limits | None = None
    ) -> ConsoleResult:
        lang = console(get_language(language, sandbox.config.languages))
        effective = sandbox.resolve_limits(lang, limits)
        source = code.encode() if isinstance(code, str) else code
        try:
            with sandbox.uids.slot():
                if lang.compile is None:
                    return self._interact(sandbox, lang, source, effective, None)
                return self._compile_and_interact(sandbox, lang, source, effective)
        finally:
            self._finished.set()

    def _compile_and_interact(
        self, sandbox: Sandbox, lang: Language, source: bytes, limits: Limits
    ) -> ConsoleResult:
        build_dir = fresh_build_dir(sandbox.uids.current())
        try:
            # the build step exactly as a Run builds (its own limits and verdicts)
            built = sandbox.build(lang, source, build_dir)
            if built is not None:
                if built.verdict is not Verdict.INTERNAL_ERROR:
                    self._emit("stderr", built.stderr.encode())
                return ConsoleResult(built, Ended.EXITED)
            return self._interact(sandbox, lang, source, limits, build_dir)
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)

    def _interact(
        self,
        sandbox: Sandbox,
        lang: Language,
        source: bytes,
        limits: Limits,
        build_dir: str | None,
    ) -> ConsoleResult:
        started = time.monotonic()
        try:
            in_r, in_w = os.pipe2(os.O_CLOEXEC)
        except OSError as exc:
            return ConsoleResult(RunResult.internal_error(f"no pipe: {exc}", 0), Ended.EXITED)
        try:
            run = launch(
                sandbox, lang, lang.argv(lang.run), source, in_r, b"", limits,
                build_dir=build_dir, drawing=lang.drawing,
            )  # fmt: skip
        except (OSError, CgroupError) as exc:
            os.close(in_w)
            reason = f"sandbox set-up failed: {exc}"
            return ConsoleResult(RunResult.internal_error(reason, _ms_since(started)), Ended.EXITED)
        finally:
            os.close(in_r)  # bwrap holds its own copy
        os.set_blocking(in_w, False)
        try:
            return self._supervise(run, in_w, limits, started)
        except (OSError, CgroupError) as exc:
            run.finish()
            reason = f"sandbox failed: {exc}"
            return ConsoleResult(RunResult.internal_error(reason, _ms_since(started)), Ended.EXITED)
        finally:
            with contextlib.suppress(OSError):
                os.close(in_w)

    def _write_answers(self, in_w: int) -> bool:
        """Write what the program may take now; True when something went in."""
        with self._lock:
            if not self._pending:
                return False
            try:
                written = os.write(in_w, self._pending)
            except BlockingIOError:
                return False
            except OSError:  # the program closed its stdin: answers go nowhere
                self._pending.clear()
                return False
            del self._pending[:written]
            return written > 0

    def _supervise(self, run: Launched, in_w: int, limits: Limits, started: float) -> ConsoleResult:
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        with self._lock:
            self._wake = wake_w
        try:
            return self._follow(run, in_w, limits, started, wake_r)
        finally:
            with self._lock:
                self._wake = -1
            os.close(wake_r)
            os.close(wake_w)

    def _follow(
        self, run: Launched, in_w: int, limits: Limits, started: float, wake_r: int
    ) -> ConsoleResult:
        watch = _Watch(run, limits, started)
        ended = Ended.EXITED
        with selectors.DefaultSelector() as selector:
            selector.register(run.status, selectors.EVENT_READ)
            selector.register(wake_r, selectors.EVENT_READ)  # an answer or Stop: act at once
            if run.drawing is not None:  # a turtle's drawing is kept, never relayed
                selector.register(run.drawing, selectors.EVENT_READ)
            while watch.status_open or watch.open_streams:
                now = time.monotonic()
                stop = self._ending(watch, now)
                if stop is not None:
                    ended = stop
                    break
                # back-pressure: read the program's output only while the reader keeps up
                watch.follow_reader(selector, self._room(), now)
                if self._write_answers(in_w):
                    watch.last_active = now
                for key, _ in selector.select(_POLL_S):
                    if key.fd == wake_r:
                        with contextlib.suppress(BlockingIOError):
                            os.read(wake_r, 4096)
                    else:
                        watch.read(selector, key.fd, self._emit, now)
                if watch.over_a_limit(now):
                    break
        return watch.result(ended)

    def _ending(self, watch: _Watch, now: float) -> Ended | None:
        """Why the console ends the program now, if it does."""
        if self._stopped.is_set():
            return Ended.STOPPED
        if now - watch.started >= self.limits.session_s:
            return Ended.SESSION
        if now - watch.last_active >= self.limits.idle_s:
            return Ended.IDLE
        return None


class _Watch:
    """What the host observes of one console run."""

    def __init__(self, run: Launched, limits: Limits, started: float) -> None:
        self.run = run
        self.limits = limits
        self.started = started
        self.stdout = CappedBuffer(limits.output_bytes)
        self.stderr = CappedBuffer(limits.output_bytes)
        self.streams = {run.stdout: ("stdout", self.stdout), run.stderr: ("stderr", self.stderr)}
        self.open_streams = set(self.streams)
        self.drawing = CappedBuffer(DRAWING_BYTES) if run.drawing is not None else None
        self.status_open = True
        self.reading = False
        self.last_active = started
        self.last_cpu = 0
        self.cpu_exceeded = False

    def follow_reader(self, selector: selectors.BaseSelector, room: bool, now: float) -> None:
        if room != self.reading:
            self.reading = room
            for fd in self.open_streams:
                if room:
                    selector.register(fd, selectors.EVENT_READ)
                else:
                    selector.unregister(fd)
        if not self.reading:
            self.last_active = now  # waiting for the reader is not the program's idling

    def read(self, selector: selectors.BaseSelector, fd: int, emit: Emit, now: float) -> None:
        chunk = os.read(fd, 65536)
        if fd == self.run.drawing and self.drawing is not None:
            if chunk:
                self.drawing.feed(chunk)
                self.last_active = now
            else:
                selector.unregister(fd)
            return
        if fd == self.run.status:
            if chunk:
                self.run.status_raw += chunk
            else:
                self.status_open = False
                selector.unregister(fd)
            return
        if not chunk:
            self.open_streams.discard(fd)
            selector.unregister(fd)
            return
        name, buffer = self.streams[fd]
        before = buffer.size
        buffer.feed(chunk)
        if buffer.size > before:
            emit(name, chunk[: buffer.size - before])
        self.last_active = now

    def over_a_limit(self, now: float) -> bool:
        """Output or CPU time used up (and CPU use counts as activity)."""
        if self.stdout.exceeded or self.stderr.exceeded:
            return True
        if self.drawing is not None and self.drawing.exceeded:
            return True
        cpu = self.run.group.cpu_ms()
        if cpu > self.limits.cpu_time_s * 1000:
            self.cpu_exceeded = True
            return True
        if cpu - self.last_cpu > _BUSY_MS:
            self.last_active, self.last_cpu = now, cpu
        return False

    def result(self, ended: Ended) -> ConsoleResult:
        usage = self.run.group.usage()
        status = self.run.finish()  # whatever still runs dies with the group
        wall_ms = _ms_since(self.started)
        killed = ended is not Ended.EXITED
        drew_too_much = self.drawing is not None and self.drawing.exceeded
        over = self.cpu_exceeded or self.stdout.exceeded or self.stderr.exceeded or drew_too_much
        exit_status = status.get("exit-code")
        # ended by the console (Stop, idle) even before the program started: not a failure
        if not killed and (
            "child-pid" not in status or (exit_status is None and not over and not usage.oom_killed)
        ):
            reason = "sandbox did not start: bwrap exited without running the code"
            return ConsoleResult(RunResult.internal_error(reason, wall_ms), ended)
        observed = Observed(
            exit_status=exit_status,
            stdout=self.stdout.bytes(),
            stderr=self.stderr.bytes(),
            stdout_exceeded=self.stdout.exceeded,
            stderr_exceeded=self.stderr.exceeded,
            timed_out=killed,
            cpu_exceeded=self.cpu_exceeded,
            oom_killed=usage.oom_killed,
            cpu_ms=usage.cpu_ms,
            wall_ms=wall_ms,
            memory_kb=usage.peak_memory_kb,
        )
        result = classify(observed, self.limits)
        if self.drawing is not None:
            result = with_drawing(result, self.drawing.bytes(), self.drawing.exceeded)
        return ConsoleResult(result, ended)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
