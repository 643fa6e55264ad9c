"""The start-up self-test: passes on this host, and refuses with one clear reason when the
host can't give a run its cgroup (a stand-in backend plays a host without cgroup rights)."""

from __future__ import annotations

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
