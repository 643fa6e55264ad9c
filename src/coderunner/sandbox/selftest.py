"""Start-up self-test: prove on this host that isolation and limits hold before running code."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from .limits import Limits
from .result import RunResult, Verdict
from .runner import Sandbox

# Runs inside the sandbox and reports what it can see and do.
_PROBE = r"""
import ctypes, json, os, socket
out = {"uid": os.getuid(), "env": sorted(os.environ)}
out["pids"] = [p for p in os.listdir("/proc") if p.isdigit()]
try:
    open("/usr/probe", "w"); out["write_usr"] = True
except OSError:
    out["write_usr"] = False
out["etc"] = sorted(os.listdir("/etc"))
out["tmp_writable"] = bool(open("/tmp/probe", "w").write("x"))
try:
    s = socket.create_connection(("127.0.0.1", 4000), timeout=0.5); out["net"] = True
except OSError:
    out["net"] = False
libc = ctypes.CDLL(None, use_errno=True)
out["ptrace"] = libc.ptrace(0, 0, 0, 0)
out["unshare"] = libc.unshare(0x10000000)
print(json.dumps(out))
"""


_FORKS = """
import os, time
for _ in range(64):
    if os.fork() == 0:
        time.sleep(5)
"""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SelfTestReport:
    ok: bool
    backend: str
    duration_ms: int
    checks: list[Check] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [f"{c.name}: {c.detail}" for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "backend": self.backend,
            "durationMs": self.duration_ms,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def _isolation(sandbox: Sandbox) -> Check:
    return _isolated(sandbox.run(_PROBE))


def pool_selftest(sandbox: Sandbox, timeout_s: float = 60.0) -> Check:
    """The pool's own check (ADR 0014): a pooled sandbox, handed the isolation probe, is as
    isolated as any other, and the run really came from the pool."""
    pool = sandbox.pool
    if pool is None:
        return Check("pool", False, "no pool")
    if not pool.wait_filled(timeout_s):
        return Check("pool", False, f"no pooled sandbox got ready in {timeout_s:.0f} s")
    before = pool.stats.handed_out
    check = _isolated(sandbox.run(_PROBE))
    if check.ok and pool.stats.handed_out == before:
        return Check("pool", False, "the probe did not run in a pooled sandbox")
    return Check("pool", check.ok, check.detail)


def _isolated(result: RunResult) -> Check:
    if result.verdict is not Verdict.OK:
        why = result.internal_reason or result.stderr[-300:]
        return Check("isolation", False, f"probe ended {result.verdict}: {why}")
    try:
        seen = json.loads(result.stdout)
    except ValueError:
        return Check("isolation", False, "probe printed no report")
    problems = []
    if seen["uid"] != 65534:
        problems.append(f"uid {seen['uid']}")
    if seen["write_usr"]:
        problems.append("root filesystem writable")
    if set(seen["etc"]) - {"passwd", "group"}:
        problems.append("host /etc visible")
    if not seen["tmp_writable"]:
        problems.append("/tmp not writable")
    if seen["net"]:
        problems.append("network reachable")
    if seen["ptrace"] != -1 or seen["unshare"] != -1:
        problems.append("seccomp not enforced")
    if len(seen["pids"]) > 3:
        problems.append(f"host processes visible: {seen['pids']}")
    allowed = {"PATH", "HOME", "LANG", "TMPDIR", "PWD", "PYTHONHASHSEED", "CODERUNNER_DRAWING_FD"}
    if set(seen["env"]) - allowed:
        problems.append(f"environment leaks {seen['env']}")
    return Check("isolation", not problems, ", ".join(problems) or "namespaces, seccomp, no net")


def _expect(sandbox: Sandbox, name: str, code: str, want: Verdict, limits: Limits) -> Check:
    result = sandbox.run(code, limits=limits)
    ok = result.verdict is want
    why = result.internal_reason or result.stderr[-300:]
    return Check(name, ok, f"got {result.verdict}" + ("" if ok else f": {why}"))


def run_selftest(sandbox: Sandbox) -> SelfTestReport:
    started = time.monotonic()
    # generous wall clocks: a loaded 2-core host may leave a run waiting seconds for a core; the
    # verdicts themselves don't depend on it (memory, CPU time, process count)
    small = Limits(memory_mb=48, wall_time_s=20.0, cpu_time_s=5.0, max_processes=16)
    first = _expect(sandbox, "runs code", "print('ok')", Verdict.OK, small)
    if not first.ok:  # nothing else can pass: say the one reason
        return SelfTestReport(
            ok=False,
            backend=sandbox.cgroups.describe(),
            duration_ms=int((time.monotonic() - started) * 1000),
            checks=[first],
        )
    checks = [
        first,
        _isolation(sandbox),
        _expect(
            sandbox,
            "memory limit",
            "x = bytearray(96 * 2**20)",
            Verdict.MEMORY_LIMIT_EXCEEDED,
            small,
        ),
        _expect(
            sandbox,
            "time limit",
            "while True: pass",
            Verdict.TIME_LIMIT_EXCEEDED,
            small.with_overrides(cpu_time_s=0.3),
        ),
        _expect(
            sandbox,
            "process limit",
            _FORKS,
            Verdict.RUNTIME_ERROR,
            small,
        ),
    ]
    return SelfTestReport(
        ok=all(c.ok for c in checks),
        backend=sandbox.cgroups.describe(),
        duration_ms=int((time.monotonic() - started) * 1000),
        checks=checks,
    )
