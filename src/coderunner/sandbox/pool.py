"""Pre-warmed sandboxes (ADR 0014): started ahead, each used for exactly one run, then destroyed.

A pooled sandbox is what `launch` starts for a run (namespaces, cgroup, rlimits, seccomp, the
run's host uid, our init) with the interpreter's start-up done, waiting on a control socket for
its program. At hand-out the host writes the source and the input into the sandbox's sealed
memfds, reads the cgroup's CPU time and resets its memory peak (so the figures and the limits
are the program's own), and says go; the wall clock starts then. After the run the sandbox is
destroyed like any other: nothing of one learner's run can reach the next.

A member is handed out only for the exact run it was made for (language, limits, environment,
drawing channel), only while younger than `max_idle_s`, and only while the files it was made
from (our guest files, bubblewrap, the interpreter) are unchanged; otherwise it is destroyed.
Members hold host uids of their own from the sandbox's `UidPool`, taken only when one is free;
a run that finds none free makes the pool give one back. A background thread keeps `size`
members ready per pooled kind; `close()` stops it and destroys every member, including one a
refill was starting.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .batch import HARNESS_MEMORY_MB, PIPE_BYTES
from .bwrap import GUEST_DIR
from .cgroups import CgroupError
from .languages import Language
from .launch import Waiting, fresh_build_dir, launch_waiting
from .limits import Limits

if TYPE_CHECKING:
    from .runner import Sandbox

log = logging.getLogger(__name__)
READY_TIMEOUT_S = 30.0  # a sandbox whose interpreter is not up by then is destroyed
_RETRY_S = 1.0  # after a failed start, the refill waits this long before the next one


@dataclass(frozen=True, slots=True)
class PoolKey:
    """What a pooled sandbox was made for; a run uses one only with the same key."""

    batch: bool  # the batch harness (grading), else a single run
    language: str
    limits: Limits
    env: tuple[tuple[str, str], ...]
    drawing: bool
    build: bool = False  # the build step of a compiled language (under its compile limits)


def key_for(
    lang: Language, limits: Limits, drawing: bool, batch: bool = False, build: bool = False
) -> PoolKey:
    return PoolKey(batch, lang.key, limits, tuple(sorted(lang.env.items())), drawing, build)


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of pooled sandbox: a single run of `lang` (with or without the drawing
    channel), its batch harness, or its build step, under `limits`."""

    lang: Language
    limits: Limits
    drawing: bool = False
    batch: bool = False
    build: bool = False

    @property
    def key(self) -> PoolKey:
        return key_for(self.lang, self.limits, self.drawing, self.batch, self.build)


def host_fingerprint(sandbox: Sandbox, lang: Language) -> tuple[tuple[str, int, int, int], ...]:
    """The files a sandbox is made from that can change under a running service: our guest
    files, the language's mounted files, the executables its commands start (inside a mounted
    folder such as the JDK's: an upgrade replaces them), bubblewrap. ~10 stat calls: checked
    at every hand-out."""
    # (not __pycache__: the host writing bytecode there changes nothing a sandbox runs)
    paths = [
        os.path.join(GUEST_DIR, name)
        for name in sorted(os.listdir(GUEST_DIR))
        if name != "__pycache__"
    ]
    paths += [m.source for m in lang.present_mounts() if not os.path.isdir(m.source)]
    paths += sorted({os.path.realpath(argv[0]) for argv in (lang.run, lang.compile) if argv})
    paths.append(sandbox.config.bwrap)
    found = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            found.append((path, -1, -1, -1))
            continue
        found.append((path, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(found)


def _launch(sandbox: Sandbox, kind: Kind, uid: int) -> Waiting:
    lang = kind.lang
    if kind.build:
        return _launch_build(sandbox, kind, uid)
    if lang.pooled_launcher is not None and not kind.batch:
        return _launch_compiled_run(sandbox, kind, uid)
    if not kind.batch:
        assert lang.pooled_run is not None
        return launch_waiting(sandbox, lang, lang.pooled_run, kind.limits, uid, kind.drawing)
    assert lang.pooled_batch is not None
    group = replace(kind.limits, memory_mb=kind.limits.memory_mb + HARNESS_MEMORY_MB)
    return launch_waiting(
        sandbox, lang, lang.pooled_batch, kind.limits, uid, False, group, PIPE_BYTES
    )


def _launch_compiled_run(sandbox: Sandbox, kind: Kind, uid: int) -> Waiting:
    """A compiled language's run: our launcher (built once per host) waits in the run's JVM
    with an empty build dir of its own bound read-only at /build; at hand-out the host puts the
    learner's classes there (`copy_classes`) before the go."""
    from .pooled_launcher import LAUNCHER_MOUNT, launcher_dir

    assert kind.lang.pooled_run is not None
    mounts = ((launcher_dir(sandbox, kind.lang), LAUNCHER_MOUNT),)
    return _launch_on_build_dir(sandbox, kind, uid, kind.lang.pooled_run, False, mounts)


def _launch_build(sandbox: Sandbox, kind: Kind, uid: int) -> Waiting:
    """A build step's sandbox, its build dir bound writable; the run that follows reads the
    classes there."""
    assert kind.lang.pooled_compile is not None
    return _launch_on_build_dir(sandbox, kind, uid, kind.lang.pooled_compile, True)


def _launch_on_build_dir(
    sandbox: Sandbox,
    kind: Kind,
    uid: int,
    template: tuple[str, ...],
    writable: bool,
    mounts: tuple[tuple[str, str], ...] = (),
) -> Waiting:
    """`template` waiting with a fresh host build dir of its own at /build (owned by its uid,
    as an unpooled build's), removed with the sandbox, or here if it does not start."""
    build_dir = fresh_build_dir(uid)
    try:
        return launch_waiting(
            sandbox, kind.lang, template, kind.limits, uid, kind.drawing,
            build_dir=build_dir, build_writable=writable, extra_mounts=mounts,
        )  # fmt: skip
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise


@dataclass(slots=True)
class _Member:
    waiting: Waiting
    key: PoolKey
    host: tuple[tuple[str, int, int, int], ...]
    born: float


@dataclass(slots=True)
class PoolStats:
    made: int = 0
    handed_out: int = 0
    missed: int = 0
    expired: int = 0
    stale: int = 0
    failed: int = 0


class SandboxPool:
    """Ready sandboxes of the kinds in `kinds` (language, limits, drawing), `size` of each."""

    def __init__(
        self,
        sandbox: Sandbox,
        kinds: list[Kind],
        size: int,
        max_idle_s: float,
    ) -> None:
        if size < 1:
            raise ValueError("a pool holds at least one sandbox")
        self.sandbox = sandbox
        self.kinds = {kind.key: kind for kind in kinds}
        self.size = size
        self.max_idle_s = max_idle_s
        self.stats = PoolStats()
        self._idle: deque[_Member] = deque()
        self._doomed: list[Waiting] = []
        self._starting = 0
        self._closed = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    # -- the run's side ------------------------------------------------------------------------

    def take(
        self,
        lang: Language,
        limits: Limits,
        drawing: bool,
        batch: bool = False,
        build: bool = False,
    ) -> Waiting | None:
        """A ready sandbox for exactly this run (or build step), or None (it starts its own)."""
        key = key_for(lang, limits, drawing, batch, build)
        if key not in self.kinds:
            return None
        host = host_fingerprint(self.sandbox, lang)
        now = time.monotonic()
        with self._changed:
            found = None
            for member in list(self._idle):
                if member.key != key:
                    continue
                self._idle.remove(member)
                if member.host != host:
                    self.stats.stale += 1
                    self._doomed.append(member.waiting)
                elif now - member.born > self.max_idle_s:
                    self.stats.expired += 1
                    self._doomed.append(member.waiting)
                elif not member.waiting.alive():
                    self.stats.failed += 1
                    self._doomed.append(member.waiting)
                else:
                    found = member.waiting
                    break
            if found is None:
                self.stats.missed += 1
                self._flush_stale_locked(host, lang.key)
            else:
                self.stats.handed_out += 1
            self._changed.notify_all()
        return found

    def _flush_stale_locked(self, host: tuple[tuple[str, int, int, int], ...], lang: str) -> None:
        for member in list(self._idle):
            if member.key.language == lang and member.host != host:
                self._idle.remove(member)
                self.stats.stale += 1
                self._doomed.append(member.waiting)

    def give_back_uid(self) -> bool:
        """A run needs a uid and none is free: destroy one idle member (its uid is then free)."""
        with self._changed:
            if not self._idle:
                return False
            member = self._idle.popleft()
        self._destroy(member.waiting)
        return True

    def done(self, waiting: Waiting) -> None:
        """A handed-out sandbox's run ended (its processes are killed): the refill thread
        tears it down and frees its uid, off the run's critical path."""
        with self._changed:
            if not self._closed:
                self._doomed.append(waiting)
                self._changed.notify_all()
                return
        self._destroy(waiting)

    # -- the refill ----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._refill, name="sandbox-pool", daemon=True)
        self._thread.start()

    def wait_filled(self, timeout_s: float) -> bool:
        """Wait until every kind has `size` ready members (tests, benchmarks)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self._ready_count() < self.size * len(self.kinds):
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return False
                self._changed.wait(left)
        return True

    def _ready_count(self) -> int:
        return len(self._idle)

    def _next(self) -> Kind | None:
        """The kind that lacks a member most, or None when all are full."""
        counts = dict.fromkeys(self.kinds, 0)
        for member in self._idle:
            if member.key in counts:
                counts[member.key] += 1
        key, count = min(counts.items(), key=lambda item: item[1])
        if count + self._starting >= self.size:
            return None
        return self.kinds[key]

    def _refill(self) -> None:
        while True:
            with self._changed:
                doomed, self._doomed = self._doomed, []
                self._expire_locked()
                doomed += self._doomed
                self._doomed = []
                kind = None if self._closed or doomed else self._next()
                if kind is None and not doomed:
                    if self._closed:
                        return
                    self._changed.wait(self._until_expiry_locked())
                    continue
                if kind is not None:
                    self._starting += 1
            for waiting in doomed:
                self._destroy(waiting)
            if kind is not None:
                self._make(kind)

    def _expire_locked(self) -> None:
        now = time.monotonic()
        while self._idle and now - self._idle[0].born > self.max_idle_s:
            self.stats.expired += 1
            self._doomed.append(self._idle.popleft().waiting)

    def _until_expiry_locked(self) -> float:
        if not self._idle:
            return 60.0
        return max(0.01, self._idle[0].born + self.max_idle_s - time.monotonic())

    def _make(self, kind: Kind) -> None:
        lang = kind.lang
        waiting = None
        host: tuple[tuple[str, int, int, int], ...] = ()
        try:
            uid = self.sandbox.uids.take_free()
            if uid is not None:
                host = host_fingerprint(self.sandbox, lang)
                try:
                    waiting = _launch(self.sandbox, kind, uid)
                except BaseException:
                    self.sandbox.uids.give_back(uid)
                    raise
                if not waiting.ready(READY_TIMEOUT_S):
                    raise OSError("the pooled interpreter did not start")
        except (OSError, CgroupError) as exc:
            log.warning("sandbox pool: a sandbox did not start: %s", exc)
            if waiting is not None:
                self._destroy(waiting)
            waiting = None
            with self._changed:
                self.stats.failed += 1
        with self._changed:
            self._starting -= 1
            if waiting is not None and not self._closed:
                self._idle.append(_Member(waiting, kind.key, host, time.monotonic()))
                self.stats.made += 1
                waiting = None
            elif waiting is None and not self._closed:
                # no uid free, or the start failed: try again later, not in a tight loop
                self._changed.wait(_RETRY_S)
            self._changed.notify_all()
        if waiting is not None:  # closed while it started: it never joins
            self._destroy(waiting)

    def _destroy(self, waiting: Waiting) -> None:
        try:
            waiting.destroy()
        except (OSError, CgroupError) as exc:
            log.error("sandbox pool: a sandbox was not torn down: %s", exc)
        finally:
            self.sandbox.uids.give_back(waiting.uid)

    # -- shutdown ------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop refilling and destroy every member (a refill in progress finishes first)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join()
        with self._changed:
            left = [m.waiting for m in self._idle] + self._doomed
            self._idle.clear()
            self._doomed = []
        for waiting in left:
            self._destroy(waiting)
        log.info("sandbox pool closed: %s", self.stats)
