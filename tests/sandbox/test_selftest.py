"""The start-up self-test: passes on this host, and refuses with one clear reason when the
host can't give a run its cgroup (a stand-in backend plays a host without cgroup rights)."""

from __future__ import annotations

import atexit

import pytest

from coderunner.sandbox import Limits, Sandbox, run_selftest
from coderunner.sandbox.cgroups import CgroupError, RunGroup
from coderunner.sandbox.runner import Sandbox as SandboxClass

pytestmark = pytest.mark.sandbox


class NoCgroups:
    version = 1

    def create(self, limits: Limits) -> RunGroup:
        raise CgroupError("cannot set up a run cgroup: Permission denied")

    def describe(self) -> str:
        return "no rights"


def test_selftest_passes_here(sandbox: Sandbox) -> None:
    report = run_selftest(sandbox)
    assert report.ok, report.failures
    assert [c.name for c in report.checks] == [
        "runs code",
        "isolation",
        "memory limit",
        "time limit",
        "process limit",
    ]


def test_selftest_refuses_with_the_reason(sandbox: Sandbox) -> None:
    broken = SandboxClass(sandbox.config, NoCgroups())
    try:
        report = run_selftest(broken)
        result = broken.run("print(1)")
    finally:
        broken.close()
    assert not report.ok
    assert len(report.checks) == 1
    assert "Permission denied" in report.failures[0]
    assert result.verdict == "INTERNAL_ERROR"
    assert result.stdout == ""


class _Built:
    """Stands in for a built sandbox: counts its launcher being closed."""

    pool = None

    def __init__(self) -> None:
        self.closed = 0

    def start_pool(self) -> None:
        pass  # pool size 0

    def close(self) -> None:
        self.closed += 1


def test_a_failed_start_up_is_retried_after_a_back_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import coderunner.sandbox as module
    from coderunner.sandbox import SandboxUnavailableError, SelfTestReport, get_sandbox
    from coderunner.sandbox.selftest import Check

    for name, value in (("_instance", None), ("_error", None), ("_backoff_s", 0.0)):
        monkeypatch.setattr(module, name, value)
    monkeypatch.setattr(module, "_retry_at", 0.0)
    built: list[_Built] = []

    def build(config: object = None) -> _Built:
        built.append(_Built())
        return built[-1]

    failed = SelfTestReport(False, "test", 1, [Check("time limit", False, "got OK")])
    reports = iter([failed, SelfTestReport(True, "test", 1, [Check("time limit", True)])])
    monkeypatch.setattr(module, "build_sandbox", build)
    monkeypatch.setattr(module, "run_selftest", lambda sandbox: next(reports))
    monkeypatch.setattr(atexit, "register", lambda fn: fn)

    with pytest.raises(SandboxUnavailableError, match="time limit"):
        get_sandbox()
    assert built[0].closed == 1  # the failed sandbox's launcher is closed
    with pytest.raises(SandboxUnavailableError, match="time limit"):
        get_sandbox()  # within the back-off: the same answer at once, nothing rebuilt
    assert len(built) == 1
    assert module._backoff_s == module.FIRST_RETRY_S
    monkeypatch.setattr(module, "_retry_at", 0.0)  # the back-off has passed
    assert get_sandbox() is built[1]  # type: ignore[comparison-overlap]
    assert module._error is None
