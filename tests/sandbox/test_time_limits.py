"""The time limit is CPU time: a verdict does not depend on how busy the host is. A wall-clock
backstop (2 x the limit + 1 s) ends programs that sleep or wait."""

from __future__ import annotations

import pytest

from coderunner.config import Settings
from coderunner.sandbox import DEFAULT_LIMITS, Limits, Sandbox, SandboxConfig, Verdict
from coderunner.sandbox.cgroups import CgroupV1, CgroupV2

pytestmark = pytest.mark.sandbox

# burns `seconds` of its own CPU time, then says so
_BURN = """
import sys, time
seconds = float(sys.stdin.read() or 3)
while time.process_time() < seconds:
    pass
print("done", seconds)
"""


def test_three_seconds_of_cpu_pass_the_default_five_second_limit(sandbox: Sandbox) -> None:
    assert DEFAULT_LIMITS.cpu_time_s == 5.0
    result = sandbox.run(_BURN, stdin="3")
    assert (result.verdict, result.stdout) == (Verdict.OK, "done 3.0\n"), result
    assert 3000 <= result.time_ms < 5000


def test_three_seconds_of_cpu_pass_in_grading_too(sandbox: Sandbox) -> None:
    results = sandbox.run_batch(_BURN, "python", ["0.1", "3", "0.1"])
    assert [r.verdict for r in results] == [Verdict.OK] * 3, results
    assert 3000 <= results[1].time_ms < 5000
    assert results[0].time_ms < 1000  # CPU time is counted per input


def test_an_endless_loop_ends_at_about_the_limit_in_cpu_time(sandbox: Sandbox) -> None:
    limits = Limits(wall_time_s=2.0, cpu_time_s=2.0)
    single = sandbox.run("while True: pass", limits=limits)
    graded = sandbox.run_batch("if input() == 'spin':\n    while True: pass", "python",
                               ["spin", "x"], limits)  # fmt: skip
    for result in (single, graded[0]):
        assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED
        assert 2000 <= result.time_ms < 3500  # polled every 50 ms; generous for a loaded host
    assert graded[1].verdict is Verdict.OK


def test_the_runs_weigh_more_than_a_host_process(sandbox: Sandbox) -> None:
    backend = sandbox.cgroups
    if isinstance(backend, CgroupV1):
        shares = (backend.parents["cpu"] / "cpu.shares").read_text().split()[0]
        assert int(shares) == sandbox.config.cpu_weight * 1024 // 100
    else:
        assert isinstance(backend, CgroupV2)
        assert int((backend.base / "cpu.weight").read_text()) == sandbox.config.cpu_weight
    assert sandbox.config.cpu_weight > 100


def test_quota_weight_and_backstop_come_from_settings() -> None:
    settings = Settings(
        sandbox_cpu_cores=2.0, sandbox_cpu_weight=500, sandbox_wall_factor=3.0, sandbox_uid=64001
    )
    config = SandboxConfig.from_settings(settings)
    assert config.default_limits.cpu_cores == 2.0
    assert config.maxima.cpu_cores == 2.0
    assert (config.cpu_weight, config.host_uid) == (500, 64001)
    assert config.wall_clock_s(Limits(wall_time_s=5.0, cpu_time_s=5.0)) == 16.0
    # a wall limit set apart (Judge0's wall_time_limit) is kept as it is
    assert config.wall_clock_s(Limits(wall_time_s=1.0, cpu_time_s=5.0)) == 1.0
    defaults = SandboxConfig.from_settings(Settings())
    assert defaults.default_limits.cpu_cores == 1.0
    assert defaults.wall_clock_s(DEFAULT_LIMITS) == 11.0
