"""The sandbox: run untrusted code in fresh bubblewrap namespaces inside a per-run cgroup."""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from . import seccomp
from .batch import PIPE_BYTES, BatchRun
from .cgroups import Backend, CgroupError, Usage
from .drawing import DRAWING_BYTES, with_drawing
from .languages import Language, get_language, registry
from .launch import Launched, Waiting, fresh_build_dir, launch, parse_status
from .limits import DEFAULT_LIMITS, SERVER_MAXIMA, Limits
from .output import CappedBuffer, to_text
from .prompts import graded
from .result import RunResult, Verdict
from .spawner_client import SpawnerClient
from .uids import UidPool
from .verdicts import Observed, classify

if TYPE_CHECKING:
    from coderunner.config import Settings
    from coderunner.sandbox_settings import SandboxSettings

    from .pool import Kind, SandboxPool


log = logging.getLogger(__name__)
_POLL_S = 0.05
# why a build that hit a limit stopped (the compiler itself says nothing then)
_COMPILER_STOPPED = {
    Verdict.TIME_LIMIT_EXCEEDED: "\nThe compiler ran out of time.\n",
    Verdict.MEMORY_LIMIT_EXCEEDED: "\nThe compiler ran out of memory.\n",
    Verdict.OUTPUT_LIMIT_EXCEEDED: "\nThe compiler printed too many errors.\n",
}


def pool_languages(setting: str) -> frozenset[str] | None:
    """CODERUNNER_SANDBOX_POOL_LANGUAGES: "all" (None), else the comma-separated keys."""
    if setting.strip().lower() == "all":
        return None
    return frozenset(key.strip() for key in setting.split(",") if key.strip())


class SandboxUnavailableError(RuntimeError):
    """The sandbox can't run code on this host (self-test failed); nothing was run."""


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    bwrap: str = "/usr/bin/bwrap"
    # The host uids the runs' processes get when the service runs as root: host_uid and the
    # next uid_slots - 1, one per concurrent run.
    host_uid: int = 64000
    uid_slots: int = 8
    default_limits: Limits = DEFAULT_LIMITS
    maxima: Limits = SERVER_MAXIMA
    languages: dict[str, Language] = field(default_factory=registry)
    # all runs together against the host's other processes (cgroup v2 scale; 100 = ordinary)
    cpu_weight: int = 1000
    # a run that sleeps or waits ends at wall_factor x its time limit + 1 s (or its wall limit)
    wall_factor: float = 2.0
    # pre-warmed sandboxes (pool.py, ADR 0014) per pooled kind; 0: none. Each holds a uid of
    # its own: uid_slots should be at least the concurrent runs + pool_size x pooled kinds
    pool_size: int = 0
    pool_max_idle_s: float = 300.0
    # the languages pooled (those of them with a pooledRun that can run here); None: all
    pool_languages: frozenset[str] | None = None

    @classmethod
    def from_settings(cls, settings: Settings | SandboxSettings) -> SandboxConfig:
        cores = settings.sandbox_cpu_cores
        return cls(
            bwrap=settings.sandbox_bwrap or shutil.which("bwrap") or "/usr/bin/bwrap",
            host_uid=settings.sandbox_uid,
            uid_slots=settings.sandbox_uid_slots,
            default_limits=DEFAULT_LIMITS.with_overrides(cpu_cores=cores),
            maxima=SERVER_MAXIMA.with_overrides(cpu_cores=max(SERVER_MAXIMA.cpu_cores, cores)),
            cpu_weight=settings.sandbox_cpu_weight,
            wall_factor=settings.sandbox_wall_factor,
            pool_size=settings.sandbox_pool_size,
            pool_max_idle_s=settings.sandbox_pool_max_idle_s,
            pool_languages=pool_languages(settings.sandbox_pool_languages),
        )

    @classmethod
    def from_env(cls) -> SandboxConfig:
        """From `coderunner.config.Settings` (the environment, validated)."""
        from coderunner.config import Settings

        return cls.from_settings(Settings())

    def wall_clock_s(self, limits: Limits) -> float:
        """When a run is stopped by the wall clock.

        One time limit (wall = CPU, as problems and Run give it) is judged on CPU time, with a
        backstop at wall_factor x it + 1 s for programs that sleep or wait. A wall limit set
        apart from the CPU limit (Judge0's wall_time_limit) is kept as it is.
        """
        if limits.wall_time_s != limits.cpu_time_s:
            return limits.wall_time_s
        return limits.cpu_time_s * self.wall_factor + 1.0


@dataclass(slots=True)
class _Outcome:
    stdout: CappedBuffer
    stderr: CappedBuffer
    status: dict[str, int]
    wall_ms: int
    usage: Usage
    timed_out: bool
    cpu_exceeded: bool
    drawing: CappedBuffer | None = None


@dataclass(frozen=True, slots=True)
class _Build:
    """A compiled language's build step, done: what to answer if it failed, else where its
    classes are and which uid owns them (None: the thread's own)."""

    failed: RunResult | None
    dir: str
    uid: int | None


class Sandbox:
    """Runs code; knows nothing of HTTP, databases or queues."""

    def __init__(self, config: SandboxConfig, cgroups: Backend) -> None:
        self.config = config
        self.cgroups = cgroups
        self.seccomp_program = seccomp.bpf_program()
        self.spawner = SpawnerClient()
        self.uids = UidPool(config.host_uid, config.uid_slots)
        self.pool: SandboxPool | None = None

    def start_pool(
        self,
        size: int | None = None,
        max_idle_s: float | None = None,
        limits: Limits | None = None,
        batches: bool = True,
    ) -> None:
        """Keep pre-warmed sandboxes (ADR 0014) for every language the pool can hold (the
        config's `pool_languages`) under its default limits (or `limits`): `size` for single
        runs of each and, with `batches`, `size` for graded batches of those with a pooled
        harness; size 0 (the config's default) keeps none."""
        from .pool import SandboxPool

        size = self.config.pool_size if size is None else size
        if size < 1 or self.pool is not None:
            return
        kinds = self.pool_kinds(limits, batches)
        unpooled = (self.config.pool_languages or frozenset()) - {k.lang.key for k in kinds}
        if unpooled:
            log.warning(
                "CODERUNNER_SANDBOX_POOL_LANGUAGES names languages the pool cannot hold on this "
                "host (unknown, disabled, missing files or nothing to pool): %s",
                ", ".join(sorted(unpooled)),
            )
        if not kinds:
            return
        # the pool never takes the last free uid (runs come first): more members than that
        # could never be ready, and a start-up waiting for them would wait in vain
        room = (self.config.uid_slots - 1) // len(kinds)
        if size > room:
            log.warning(
                "sandbox pool of %d per kind (%d kinds) does not fit %d uids (one stays free "
                "for runs): %d per kind; raise CODERUNNER_SANDBOX_UID_SLOTS for more",
                size, len(kinds), self.config.uid_slots, room,
            )  # fmt: skip
            size = room
            if size < 1:
                return
        self.pool = SandboxPool(
            self, kinds, size, self.config.pool_max_idle_s if max_idle_s is None else max_idle_s
        )
        self.uids.reclaim = self.pool.give_back_uid
        self.pool.start()

    def pool_kinds(self, limits: Limits | None = None, batches: bool = True) -> list[Kind]:
        """The kinds of pooled sandbox: a single run of each enabled language that has a
        `pooledRun`, is chosen by the config's `pool_languages` (None: all) and can run on
        this host, and, with `batches`, its batch harness when it has a `pooledBatch`; the
        build step (under its own limits, whatever `limits` is) of one with a
        `pooledCompile`. A run with a `pooledLauncher` is pooled only as root."""
        from .pool import Kind

        chosen = self.config.pool_languages
        kinds = []
        for lang in self.config.languages.values():
            if not lang.enabled or lang.missing():
                continue
            if chosen is not None and lang.key not in chosen:
                continue
            if lang.compile is not None and lang.pooled_compile is not None:
                kinds.append(Kind(lang, self.compile_limits(lang), build=True))
            if lang.pooled_run is None:
                continue
            if lang.pooled_launcher is not None and os.geteuid() != 0:
                continue  # its launcher is built and trusted only as root (pooled_launcher.py)
            effective = self.resolve_limits(lang, limits)
            kinds.append(Kind(lang, effective, lang.drawing))
            if batches and lang.pooled_batch is not None:
                kinds.append(Kind(graded(lang), effective, batch=True))
        return kinds

    def stop_pool(self) -> None:
        """Destroy every pooled sandbox; runs start their own again."""
        pool, self.pool = self.pool, None
        if pool is not None:
            self.uids.reclaim = None
            pool.close()

    def close(self) -> None:
        """Drain the pool and stop the launcher process (a later run starts it again)."""
        self.stop_pool()
        self.spawner.close()

    def resolve_limits(self, language: Language, requested: Limits | None) -> Limits:
        base = requested if requested is not None else language.limits(self.config.default_limits)
        return base.capped_by(self.config.maxima)

    def run(
        self,
        code: str | bytes,
        language: str = "python",
        stdin: str | bytes = "",
        limits: Limits | None = None,
    ) -> RunResult:
        lang = get_language(language, self.config.languages)
        effective = self.resolve_limits(lang, limits)
        source = code.encode() if isinstance(code, str) else code
        data = stdin.encode() if isinstance(stdin, str) else stdin
        if lang.compile is not None:
            with self._built(lang, source) as build:
                if build.failed is not None:
                    return build.failed
                return self._run_step(lang, source, data, effective, build.dir, build.uid)
        pooled = self._run_in_pool(lang, source, data, effective, lang.drawing)
        if pooled is not None:
            return pooled
        with self.uids.slot():
            return self._execute(lang, lang.argv(lang.run), source, data, effective)

    def _run_in_pool(
        self, lang: Language, source: bytes, stdin: bytes, limits: Limits, drawing: bool
    ) -> RunResult | None:
        """The run in a ready pooled sandbox made for exactly it; None when there is none or it
        could not take the run (nothing ran)."""
        pool = self.pool
        if pool is None or lang.compile is not None or lang.pooled_run is None:
            return None
        waiting = pool.take(lang, limits, drawing)
        if waiting is None:
            return None
        try:
            return self._run_pooled(waiting, source, stdin, limits)
        finally:
            pool.done(waiting)

    def _run_graded_one(
        self, lang: Language, source: bytes, stdin: bytes, limits: Limits
    ) -> RunResult:
        """One graded input of an interpreted language in a sandbox of its own: a ready pooled
        one when the language has no batch harness and grades as it runs (the pool's
        single-run kind is then exactly this run's), else one started for it."""
        if lang.batch is None:
            pooled = self._run_in_pool(lang, source, stdin, limits, False)
            if pooled is not None:
                return pooled
        return self._execute(lang, lang.argv(lang.run), source, stdin, limits)

    def _run_pooled(
        self, waiting: Waiting, source: bytes, stdin: bytes, limits: Limits
    ) -> RunResult | None:
        """The run in a pooled sandbox; None when the sandbox could not take it (nothing ran:
        the caller runs it in a sandbox of its own)."""
        try:
            cpu_before = waiting.start(source, stdin)
        except (OSError, CgroupError) as exc:
            log.warning("a pooled sandbox could not start its program: %s", exc)
            return None
        started = time.monotonic()
        try:
            outcome = self._supervise(waiting.run, limits, started, cpu_before)
        except (OSError, CgroupError) as exc:
            return RunResult.internal_error(f"sandbox failed: {exc}", _ms_since(started))
        return _verdict(outcome, limits)

    @contextlib.contextmanager
    def _built(self, lang: Language, source: bytes) -> Iterator[_Build]:
        """`source` of a compiled language built once, for any number of runs on its classes
        while the block lasts: by a ready pooled build sandbox when there is one (its own
        build dir and uid, held until the pool tears it down), else by one started for it as
        this thread's uid, into a fresh dir removed afterwards."""
        assert lang.compile is not None
        pool = self.pool
        if pool is not None and lang.pooled_compile is not None:
            compile_limits = self.compile_limits(lang)
            waiting = pool.take(lang, compile_limits, False, build=True)
            if waiting is not None:
                try:
                    built = self._run_pooled(waiting, source, b"", compile_limits)
                    if built is not None:  # else nothing ran: built below instead
                        assert waiting.build_dir is not None
                        yield _Build(_build_failed(built), waiting.build_dir, waiting.uid)
                        return
                finally:
                    pool.done(waiting)
        with self.uids.slot() as uid:
            build_dir = fresh_build_dir(uid)
            try:
                yield _Build(self.build(lang, source, build_dir), build_dir, None)
            finally:
                # rmtree works on fds and never follows a symlink the build planted.
                shutil.rmtree(build_dir, ignore_errors=True)

    def run_batch(
        self,
        code: str | bytes,
        language: str,
        stdins: Sequence[str | bytes],
        limits: Limits | None = None,
    ) -> list[RunResult]:
        """Run the same program once per input, each in a fresh sandbox state (grading).

        Nothing of one run (files, processes, memory) is seen by the next. Inputs enter the
        sandbox one at a time, each only after the previous run ended: put the inputs whose
        output a learner will see first. Languages with a `batch` harness share one sandbox
        between the runs (much faster); the others get one sandbox per input (a pre-warmed one
        when the pool has one ready for the language's single runs). Prompts of
        `input(prompt)` are not part of the output (`prompts.graded`).
        """
        lang = graded(get_language(language, self.config.languages))
        effective = self.resolve_limits(lang, limits)
        source = code.encode() if isinstance(code, str) else code
        data = [s.encode() if isinstance(s, str) else s for s in stdins]
        if lang.compile is not None:
            return self._run_built_batch(lang, source, data, effective)
        done: list[RunResult] = []
        with self.uids.slot():
            if lang.batch is not None and len(data) > 1 and max(map(len, data)) < PIPE_BYTES // 2:
                done = BatchRun(self, lang, source, data, effective).execute()
            # inputs the harness did not finish run one sandbox each (with the same uid, or a
            # ready pooled one's)
            rest = data[len(done) :]
            return done + [self._run_graded_one(lang, source, s, effective) for s in rest]

    def _run_built_batch(
        self, lang: Language, source: bytes, stdins: list[bytes], limits: Limits
    ) -> list[RunResult]:
        """A compiled language's graded inputs: built once, then each input run in a fresh
        sandbox of its own on those classes (read-only in every run, so nothing of one input's
        run reaches the next); a failed build is every input's answer."""
        with self._built(lang, source) as build:
            if build.failed is not None:
                return [build.failed for _ in stdins]
            return [
                self._run_step(lang, source, stdin, limits, build.dir, build.uid)
                for stdin in stdins
            ]

    def compile_limits(self, lang: Language) -> Limits:
        """The build step's limits: the language's own, never a run's."""
        return lang.compile_limits(self.config.default_limits).capped_by(self.config.maxima)

    def _run_step(
        self,
        lang: Language,
        source: bytes,
        stdin: bytes,
        limits: Limits,
        build_dir: str,
        uid: int | None = None,
    ) -> RunResult:
        """A compiled language's run on the classes in `build_dir` (owned by `uid`, else this
        thread's): in a pooled run sandbox when one is ready for it (the classes copied into
        its own build dir), else in a sandbox of its own."""
        from .pooled_launcher import copy_classes

        pool = self.pool
        if pool is not None and lang.pooled_run is not None:
            waiting = pool.take(lang, limits, lang.drawing)
            if waiting is not None:
                try:
                    assert waiting.build_dir is not None
                    if copy_classes(build_dir, waiting.build_dir, waiting.uid):
                        pooled = self._run_pooled(waiting, source, stdin, limits)
                        if pooled is not None:
                            return pooled
                finally:
                    pool.done(waiting)
        return self._execute(lang, lang.argv(lang.run), source, stdin, limits, build_dir, uid=uid)

    def build(self, lang: Language, source: bytes, build_dir: str) -> RunResult | None:
        """Compile into `build_dir` (owned by this thread's uid); None when it built, else the
        COMPILATION_ERROR (or INTERNAL_ERROR) to answer with."""
        assert lang.compile is not None
        compile_limits = self.compile_limits(lang)
        built = self._execute(
            lang, lang.argv(lang.compile), source, b"", compile_limits, build_dir, True
        )
        return _build_failed(built)

    def _execute(
        self,
        lang: Language,
        command: list[str],
        source: bytes,
        stdin: bytes,
        limits: Limits,
        build_dir: str | None = None,
        build_writable: bool = False,
        uid: int | None = None,
    ) -> RunResult:
        started = time.monotonic()
        try:
            run = launch(
                self, lang, command, source, None, stdin, limits,
                build_dir=build_dir, build_writable=build_writable,
                drawing=lang.drawing and not build_writable, uid=uid,
            )  # fmt: skip
        except (OSError, CgroupError) as exc:
            return RunResult.internal_error(f"sandbox set-up failed: {exc}", _ms_since(started))
        try:
            outcome = self._supervise(run, limits, started)
        except (OSError, CgroupError) as exc:
            run.finish()
            return RunResult.internal_error(f"sandbox failed: {exc}", _ms_since(started))
        return _verdict(outcome, limits)

    def _supervise(
        self, run: Launched, limits: Limits, started: float, cpu_before: int = 0
    ) -> _Outcome:
        """Read the run's output until it ends or a limit ends it; `cpu_before` is the group's
        CPU time (ms) that is not the program's (a pooled sandbox's start-up)."""
        stdout = CappedBuffer(limits.output_bytes)
        stderr = CappedBuffer(limits.output_bytes)
        timed_out = cpu_exceeded = False
        deadline = started + self.config.wall_clock_s(limits)
        cpu_limit_ms = limits.cpu_time_s * 1000 + cpu_before
        streams = {run.stdout: stdout, run.stderr: stderr}
        drawing = None
        if run.drawing is not None:
            drawing = streams[run.drawing] = CappedBuffer(DRAWING_BYTES)
        reported: int | None = None
        with selectors.DefaultSelector() as selector:
            for fd in (run.stdout, run.stderr, run.status, run.drawing, run.report):
                if fd is not None:
                    selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                now = time.monotonic()
                if now >= deadline:
                    timed_out = True
                    break
                for key, _ in selector.select(min(_POLL_S, deadline - now)):
                    _read(selector, key.fd, run, streams)
                if stdout.exceeded or stderr.exceeded or (drawing and drawing.exceeded):
                    break
                if run.group.cpu_ms() > cpu_limit_ms:
                    cpu_exceeded = True
                    break
                reported = run.reported()
                if reported is not None:
                    # the program ended: what it wrote is in the pipes; what it left dies
                    run.group.kill_now()
                    _drain(selector, streams)
                    break
        usage = run.group.usage()
        if cpu_before:
            usage = replace(usage, cpu_ms=max(0, usage.cpu_ms - cpu_before))
        if run.report is None:
            # Whatever is still running (a daemon, a flood, a spin) dies with the group.
            status = run.finish()
        else:  # pooled: it dies now, the pool tears the sandbox down after we answered
            run.group.kill_now()
            status = parse_status(bytes(run.status_raw))
            if reported is not None:
                status["exit-code"] = reported
        return _Outcome(
            stdout=stdout,
            stderr=stderr,
            status=status,
            wall_ms=_ms_since(started),
            usage=usage,
            timed_out=timed_out,
            cpu_exceeded=cpu_exceeded,
            drawing=drawing,
        )


def _read(
    selector: selectors.BaseSelector, fd: int, run: Launched, streams: dict[int, CappedBuffer]
) -> None:
    chunk = os.read(fd, 65536)
    if not chunk:
        selector.unregister(fd)
    elif fd == run.status:
        run.status_raw += chunk
    elif fd == run.report:
        run.report_raw += chunk
    else:
        streams[fd].feed(chunk)


def _drain(selector: selectors.BaseSelector, streams: dict[int, CappedBuffer]) -> None:
    """Read what the output pipes hold now, without waiting for more."""
    while True:
        ready = [key.fd for key, _ in selector.select(0) if key.fd in streams]
        if not ready:
            return
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                selector.unregister(fd)
                del streams[fd]
                continue
            streams[fd].feed(chunk)
            if streams[fd].exceeded:
                return


def _build_failed(built: RunResult) -> RunResult | None:
    """None when the build step ended OK, else the COMPILATION_ERROR (or INTERNAL_ERROR) to
    answer with."""
    if built.verdict is Verdict.INTERNAL_ERROR:
        return built
    if built.verdict is Verdict.OK:
        return None
    return RunResult(
        verdict=Verdict.COMPILATION_ERROR,
        exit_code=built.exit_code,
        signal=built.signal,
        stdout=built.stdout,
        stderr=built.stderr + _COMPILER_STOPPED.get(built.verdict, ""),
        time_ms=built.time_ms,
        wall_ms=built.wall_ms,
        memory_kb=built.memory_kb,
        truncated=built.truncated,
    )


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _verdict(outcome: _Outcome, limits: Limits) -> RunResult:
    usage = outcome.usage
    exit_status = outcome.status.get("exit-code")
    killed_by_us = (
        outcome.timed_out
        or outcome.cpu_exceeded
        or outcome.stdout.exceeded
        or outcome.stderr.exceeded
        or (outcome.drawing is not None and outcome.drawing.exceeded)
    )
    if "child-pid" not in outcome.status or (
        exit_status is None and not killed_by_us and not usage.oom_killed
    ):
        stderr = outcome.stderr.bytes()
        reason = to_text(stderr[-2000:]).strip() or "bwrap exited without running the code"
        return RunResult.internal_error(f"sandbox did not start: {reason}", outcome.wall_ms)
    result = classify(
        Observed(
            exit_status=exit_status,
            stdout=outcome.stdout.bytes(),
            stderr=outcome.stderr.bytes(),
            stdout_exceeded=outcome.stdout.exceeded,
            stderr_exceeded=outcome.stderr.exceeded,
            timed_out=outcome.timed_out,
            cpu_exceeded=outcome.cpu_exceeded,
            oom_killed=usage.oom_killed,
            cpu_ms=usage.cpu_ms,
            wall_ms=outcome.wall_ms,
            memory_kb=usage.peak_memory_kb,
        ),
        limits,
    )
    if outcome.drawing is None:
        return result
    return with_drawing(result, outcome.drawing.bytes(), outcome.drawing.exceeded)
