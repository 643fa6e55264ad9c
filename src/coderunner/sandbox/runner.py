"""The sandbox: run untrusted code in fresh bubblewrap namespaces inside a per-run cgroup."""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import seccomp
from .batch import PIPE_BYTES, BatchRun
from .bwrap import RunFds, build_argv, launcher
from .cgroups import Backend, CgroupError, RunGroup, Usage
from .languages import Language, get_language, registry
from .limits import DEFAULT_LIMITS, SERVER_MAXIMA, Limits
from .output import CappedBuffer, to_text
from .result import RunResult, Verdict
from .verdicts import Observed, classify

log = logging.getLogger(__name__)
_POLL_S = 0.05
_PR_SET_CHILD_SUBREAPER = 36


class SandboxUnavailableError(RuntimeError):
    """The sandbox can't run code on this host (self-test failed); nothing was run."""


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    bwrap: str = "/usr/bin/bwrap"
    # The host uid the run's processes get when the service runs as root.
    host_uid: int = 64000
    default_limits: Limits = DEFAULT_LIMITS
    maxima: Limits = SERVER_MAXIMA
    languages: dict[str, Language] = field(default_factory=registry)

    @classmethod
    def from_env(cls) -> SandboxConfig:
        return cls(
            bwrap=os.environ.get("CODERUNNER_BWRAP") or shutil.which("bwrap") or "/usr/bin/bwrap",
            host_uid=int(os.environ.get("CODERUNNER_SANDBOX_UID", "64000")),
        )


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    _write_all(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@dataclass(slots=True)
class _Outcome:
    stdout: CappedBuffer
    stderr: CappedBuffer
    status: dict[str, int]
    wall_ms: int
    usage: Usage
    timed_out: bool
    cpu_exceeded: bool


def become_subreaper() -> bool:
    """Make orphaned descendants our children, so a run's namespace init gets reaped.

    bwrap's outer process exits as soon as the namespace reports the program's status, before
    the namespace's init is reaped; without this, that init waits as a zombie for the host's
    pid 1, which in a container may never reap it.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)


def _reap(pid: int, deadline_s: float = 2.0) -> None:
    end = time.monotonic() + deadline_s
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return  # not ours (already reaped, or we are not a subreaper)
        if done or time.monotonic() > end:
            return
        time.sleep(0.001)


class _OwnedFds:
    """File descriptors a run opened; each is closed exactly once."""

    def __init__(self) -> None:
        self._fds: set[int] = set()

    def add(self, *fds: int) -> None:
        self._fds.update(fds)

    def close(self, fd: int) -> None:
        self._fds.discard(fd)
        os.close(fd)

    def close_all(self) -> None:
        while self._fds:
            with contextlib.suppress(OSError):
                os.close(self._fds.pop())


def _parse_status(raw: bytes) -> dict[str, int]:
    decoder = json.JSONDecoder()
    text = raw.decode("utf-8", errors="replace")
    status: dict[str, int] = {}
    index = 0
    while index < len(text):
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        try:
            obj, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            break
        if isinstance(obj, dict):
            status.update({k: v for k, v in obj.items() if isinstance(v, int)})
    return status


class Sandbox:
    """Runs code; knows nothing of HTTP, databases or queues."""

    def __init__(self, config: SandboxConfig, cgroups: Backend) -> None:
        self.config = config
        self.cgroups = cgroups
        self.seccomp_program = seccomp.bpf_program()
        if not become_subreaper():
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")

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
        if lang.compile is None:
            return self._execute(lang, lang.argv(lang.run), source, data, effective)
        return self._compile_and_run(lang, source, data, effective)

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
        between the runs (much faster); the others get one sandbox per input.
        """
        lang = get_language(language, self.config.languages)
        effective = self.resolve_limits(lang, limits)
        source = code.encode() if isinstance(code, str) else code
        data = [s.encode() if isinstance(s, str) else s for s in stdins]
        done: list[RunResult] = []
        if lang.batch is not None and len(data) > 1 and max(map(len, data)) < PIPE_BYTES // 2:
            done = BatchRun(self, lang, source, data, effective).execute()
        # inputs the harness did not finish run one sandbox each
        return done + [self.run(source, language, stdin, limits) for stdin in data[len(done) :]]

    def _compile_and_run(
        self, lang: Language, source: bytes, stdin: bytes, limits: Limits
    ) -> RunResult:
        assert lang.compile is not None
        build_dir = tempfile.mkdtemp(prefix="coderunner-build-")
        try:
            if os.getuid() == 0:
                os.chown(build_dir, self.config.host_uid, self.config.host_uid)
            built = self._execute(
                lang, lang.argv(lang.compile), source, b"", limits, build_dir, build_writable=True
            )
            if built.verdict is Verdict.INTERNAL_ERROR:
                return built
            if built.verdict is not Verdict.OK:
                return RunResult(
                    verdict=Verdict.COMPILATION_ERROR,
                    exit_code=built.exit_code,
                    signal=built.signal,
                    stdout=built.stdout,
                    stderr=built.stderr,
                    time_ms=built.time_ms,
                    wall_ms=built.wall_ms,
                    memory_kb=built.memory_kb,
                    truncated=built.truncated,
                )
            return self._execute(lang, lang.argv(lang.run), source, stdin, limits, build_dir)
        finally:
            # rmtree works on fds and never follows a symlink the build planted.
            shutil.rmtree(build_dir, ignore_errors=True)

    def _execute(
        self,
        lang: Language,
        command: list[str],
        source: bytes,
        stdin: bytes,
        limits: Limits,
        build_dir: str | None = None,
        build_writable: bool = False,
    ) -> RunResult:
        started = time.monotonic()
        opened = _OwnedFds()
        try:
            source_fd = _memfd("source", source)
            opened.add(source_fd)
            seccomp_fd = _memfd("seccomp", self.seccomp_program)
            opened.add(seccomp_fd)
            stdin_mem = _memfd("stdin", stdin)
            opened.add(stdin_mem)
            stdin_fd = os.open(f"/proc/self/fd/{stdin_mem}", os.O_RDONLY | os.O_CLOEXEC)
            opened.add(stdin_fd)
            status_r, status_w = os.pipe2(os.O_CLOEXEC)
            opened.add(status_r, status_w)
            block_r, block_w = os.pipe2(os.O_CLOEXEC)
            opened.add(block_r, block_w)
            group = self.cgroups.create(limits)
        except (OSError, CgroupError) as exc:
            opened.close_all()
            return RunResult.internal_error(f"sandbox set-up failed: {exc}")
        fds = RunFds(source=source_fd, seccomp=seccomp_fd, status=status_w, block=block_r)
        argv = launcher(self.config.host_uid, limits) + build_argv(
            self.config.bwrap, lang, command, limits, fds, build_dir, build_writable
        )
        try:
            outcome = self._supervise(
                argv, group, limits, fds, opened, stdin_fd, status_r, block_w, started
            )
        except (OSError, subprocess.SubprocessError, CgroupError) as exc:
            return RunResult.internal_error(f"sandbox failed: {exc}", _ms_since(started))
        finally:
            opened.close_all()
            try:
                group.remove()
            except (CgroupError, OSError) as exc:
                log.error("sandbox cgroup not removed", extra={"error": str(exc)})
        return _verdict(outcome, limits)

    def _supervise(
        self,
        argv: list[str],
        group: RunGroup,
        limits: Limits,
        fds: RunFds,
        owned: _OwnedFds,
        stdin_fd: int,
        status_r: int,
        block_w: int,
        started: float,
    ) -> _Outcome:
        stdout = CappedBuffer(limits.output_bytes)
        stderr = CappedBuffer(limits.output_bytes)
        status_raw = bytearray()
        # No preexec hook: Python can vfork, which keeps a run cheap even from a big server.
        proc = subprocess.Popen(
            argv,
            stdin=stdin_fd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(fds.source, fds.seccomp, fds.status, fds.block),
            env={"PATH": "/usr/bin:/bin"},
            cwd="/",
            close_fds=True,
        )
        # the child's ends of the status and block pipes belong to bwrap now
        owned.close(fds.status)
        owned.close(fds.block)
        timed_out = cpu_exceeded = released = False
        deadline = started + limits.wall_time_s
        cpu_limit_ms = limits.cpu_time_s * 1000
        assert proc.stdout is not None
        assert proc.stderr is not None
        streams = {proc.stdout.fileno(): stdout, proc.stderr.fileno(): stderr}
        with selectors.DefaultSelector() as selector:
            for fd in streams:
                selector.register(fd, selectors.EVENT_READ)
            selector.register(status_r, selectors.EVENT_READ)
            while selector.get_map():
                now = time.monotonic()
                if now >= deadline:
                    timed_out = True
                    break
                for key, _ in selector.select(min(_POLL_S, deadline - now)):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fd)
                    elif key.fd == status_r:
                        status_raw += chunk
                    else:
                        streams[key.fd].feed(chunk)
                child = None if released else _parse_status(bytes(status_raw)).get("child-pid")
                if child is not None:
                    # bwrap waits on --block-fd: the namespaces exist, no user code ran yet.
                    # Its first process joins the cgroup, then goes on.
                    for procs in group.procs_fds():
                        os.write(procs, str(child).encode())
                    os.write(block_w, b"1")
                    released = True
                if stdout.exceeded or stderr.exceeded:
                    break
                if released and group.cpu_ms() > cpu_limit_ms:
                    cpu_exceeded = True
                    break
        # Whatever is still running (a daemon, a flood, a spin) dies with the group. bwrap's
        # outer process is not in the group: it reaps the namespace's init, then we reap it.
        group.kill_all()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        status = _parse_status(bytes(status_raw))
        if "child-pid" in status:
            _reap(status["child-pid"])
        proc.stdout.close()
        proc.stderr.close()
        return _Outcome(
            stdout=stdout,
            stderr=stderr,
            status=status,
            wall_ms=_ms_since(started),
            usage=group.usage(),
            timed_out=timed_out,
            cpu_exceeded=cpu_exceeded,
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
    )
    if "child-pid" not in outcome.status or (
        exit_status is None and not killed_by_us and not usage.oom_killed
    ):
        stderr = outcome.stderr.bytes()
        reason = to_text(stderr[-2000:]).strip() or "bwrap exited without running the code"
        return RunResult.internal_error(f"sandbox did not start: {reason}", outcome.wall_ms)
    return classify(
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
