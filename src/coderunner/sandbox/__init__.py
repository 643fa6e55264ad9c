"""The sandbox: run untrusted code in bubblewrap namespaces, a per-run cgroup, rlimits and seccomp.

It knows nothing of HTTP, databases or queues. `get_sandbox()` builds the process-wide instance
once and runs the start-up self-test; when isolation or limits don't work on this host it raises
`SandboxUnavailableError` with the reasons, and nothing is ever run unsandboxed.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import threading
import time

from . import selftest_cache
from .cgroups import CgroupError, detect, sweep_stale
from .interactive import ConsoleLimits, ConsoleResult, ConsoleRun, Ended
from .languages import Language, UnknownLanguageError, get_language, registry
from .limits import DEFAULT_LIMITS, SERVER_MAXIMA, Limits
from .result import RunResult, Verdict
from .runner import Sandbox, SandboxConfig, SandboxUnavailableError
from .selftest import SelfTestReport, pool_selftest, run_selftest

__all__ = [
    "DEFAULT_LIMITS",
    "SERVER_MAXIMA",
    "ConsoleLimits",
    "ConsoleResult",
    "ConsoleRun",
    "Ended",
    "Language",
    "Limits",
    "RunResult",
    "Sandbox",
    "SandboxConfig",
    "SandboxUnavailableError",
    "SelfTestReport",
    "UnknownLanguageError",
    "Verdict",
    "build_sandbox",
    "get_language",
    "get_sandbox",
    "registry",
    "run_selftest",
    "selftest_report",
    "sweep_stale_cgroups",
]

log = logging.getLogger(__name__)
_lock = threading.Lock()
_instance: Sandbox | None = None
_report: SelfTestReport | None = None
_error: str | None = None
_retry_at = 0.0  # monotonic time after which a failed start-up is tried again
_backoff_s = 0.0
FIRST_RETRY_S = 2.0
MAX_RETRY_S = 60.0


def build_sandbox(config: SandboxConfig | None = None) -> Sandbox:
    """A sandbox for this host, without the self-test. Raises SandboxUnavailableError."""
    config = config or SandboxConfig.from_env()
    if not (os.path.isfile(config.bwrap) or shutil.which(config.bwrap)):
        raise SandboxUnavailableError(
            f"bubblewrap not found at {config.bwrap} (install the Debian package 'bubblewrap')"
        )
    missing = get_language("python", config.languages).missing()
    if missing:
        raise SandboxUnavailableError(f"the Python runtime for learners is missing: {missing}")
    try:
        backend = detect(config.cpu_weight)
    except CgroupError as exc:
        raise SandboxUnavailableError(f"cgroups unusable: {exc}") from exc
    return Sandbox(config, backend)


def sweep_stale_cgroups() -> None:
    """Remove cgroups that dead service processes left (no-op before the sandbox is built)."""
    if _instance is not None:
        sweep_stale(_instance.cgroups)


def _failed(reason: str) -> SandboxUnavailableError:
    """Remember a failed start-up; the next call after a growing back-off tries again."""
    global _error, _retry_at, _backoff_s
    _error = reason
    _backoff_s = min(MAX_RETRY_S, _backoff_s * 2 if _backoff_s else FIRST_RETRY_S)
    _retry_at = time.monotonic() + _backoff_s
    return SandboxUnavailableError(reason)


def get_sandbox(config: SandboxConfig | None = None, *, reuse_selftest: bool = False) -> Sandbox:
    """The process-wide sandbox, self-tested. Raises SandboxUnavailableError.

    A failure (say, the self-test timed out on a host under heavy load) is not final: calls
    within the back-off (2 s, doubling to 60 s) get the same error at once, the first call after
    it builds and tests the sandbox again. `/health` reports "degraded" meanwhile.

    `reuse_selftest` (for `coderunner exec`, a process per call) skips the self-test when one
    passed earlier in this boot under the same policy (`selftest_cache`), and records a pass.
    """
    global _instance, _report, _error, _backoff_s
    with _lock:
        if _instance is not None:
            return _instance
        if _error is not None and time.monotonic() < _retry_at:
            raise SandboxUnavailableError(_error)
        try:
            sandbox = build_sandbox(config)
        except SandboxUnavailableError as exc:
            raise _failed(str(exc)) from None
        if reuse_selftest and selftest_cache.passed_before(sandbox):
            _instance, _error, _backoff_s = sandbox, None, 0.0
            atexit.register(sandbox.close)
            return sandbox
        report = run_selftest(sandbox)
        _report = report
        if not report.ok:
            sandbox.close()  # the launcher of a sandbox that will never run anything
            raise _failed("sandbox self-test failed: " + "; ".join(report.failures))
        _instance, _error, _backoff_s = sandbox, None, 0.0
        if reuse_selftest:
            selftest_cache.remember_pass(sandbox)
        else:  # a long-lived service: pre-warmed sandboxes, when configured
            _start_pool(sandbox)
        # at exit the pool drains and the launcher ends and reaps whatever still runs
        atexit.register(sandbox.close)
        return sandbox


def _start_pool(sandbox: Sandbox) -> None:
    """Start the pool (CODERUNNER_SANDBOX_POOL_SIZE) and check a pooled run is isolated like
    any other; if not, the pool is stopped and every run starts its own sandbox."""
    sandbox.start_pool()
    if sandbox.pool is None:
        return
    check = pool_selftest(sandbox)
    if not check.ok:
        log.error("sandbox pool self-test failed, pool off: %s", check.detail)
        sandbox.stop_pool()


def selftest_report() -> tuple[SelfTestReport | None, str | None]:
    """The self-test report and the error, if `get_sandbox()` has run (for /health)."""
    return _report, _error
