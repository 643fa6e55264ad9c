"""Check every problem against the real sandbox: the solution passes, the starter code does not.

The runner is injected (anything with the sandbox's `run` signature), so the checking logic is
testable without bubblewrap; `coderunner content check` passes the real sandbox.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from coderunner.grading import describe_difference
from coderunner.sandbox.limits import DEFAULT_LIMITS, Limits

from .schema import Problem, TestCase

DEFAULT_WORKERS = 2
_STDERR_LINES = 3


class RunOutcome(Protocol):
    @property
    def verdict(self) -> str: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...


class Runner(Protocol):
    def run(
        self, code: str, language: str = ..., stdin: str = ..., limits: Limits | None = ...
    ) -> RunOutcome: ...


@dataclass(frozen=True)
class ProblemReport:
    problem_id: str
    errors: list[str] = field(default_factory=list)
    runs: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class CheckReport:
    problems: list[ProblemReport]
    seconds: float

    @property
    def failed(self) -> list[ProblemReport]:
        return [report for report in self.problems if not report.ok]

    @property
    def ok(self) -> bool:
        return bool(self.problems) and not self.failed

    @property
    def runs(self) -> int:
        return sum(report.runs for report in self.problems)

    def summary(self) -> str:
        passed = len(self.problems) - len(self.failed)
        return (
            f"content check: {passed}/{len(self.problems)} problems ok, "
            f"{len(self.failed)} failed, {self.runs} sandbox runs in {self.seconds:.1f}s"
        )


def problem_limits(problem: Problem) -> Limits:
    """The sandbox limits of one problem: the defaults with the problem's own overrides."""
    seconds = problem.limits.time_limit_s
    return DEFAULT_LIMITS.with_overrides(
        wall_time_s=seconds, cpu_time_s=seconds, memory_mb=problem.limits.memory_mb
    )


def _label(index: int, test: TestCase) -> str:
    kind = "hidden" if test.hidden else "visible"
    name = f" {test.name!r}" if test.name else ""
    return f"test {index}{name} ({kind})"


def _stderr_tail(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return " | ".join(lines[-_STDERR_LINES:]) or "no error output"


def test_failure(problem: Problem, code: str, test: TestCase, runner: Runner) -> str | None:
    """Why `code` fails `test`, or None when it passes."""
    result = runner.run(
        code, language=problem.language, stdin=test.input, limits=problem_limits(problem)
    )
    verdict = str(result.verdict)
    if verdict != "OK":
        return f"{verdict}: {_stderr_tail(result.stderr)}"
    return describe_difference(
        test.output, result.stdout, problem.comparison.mode, problem.comparison.tolerance
    )


def check_problem(problem: Problem, runner: Runner) -> ProblemReport:
    """Run the solution on every test (all must pass) and the starter (it must fail one)."""
    errors: list[str] = []
    runs = 0
    for index, test in enumerate(problem.tests, start=1):
        runs += 1
        why = test_failure(problem, problem.solution, test, runner)
        if why is not None:
            errors.append(f"{problem.id}: solution fails {_label(index, test)}: {why}")
    starter_fails = False
    for test in problem.tests:
        runs += 1
        if test_failure(problem, problem.starter_code, test, runner) is not None:
            starter_fails = True
            break
    if not starter_fails:
        errors.append(f"{problem.id}: starter code passes all {len(problem.tests)} tests")
    return ProblemReport(problem.id, errors, runs)


def check_problems(
    problems: Iterable[Problem],
    runner: Runner,
    workers: int = DEFAULT_WORKERS,
    on_report: Callable[[ProblemReport], None] | None = None,
) -> CheckReport:
    """Check `problems` with a pool of `workers` threads, in the order given."""
    started = time.monotonic()
    ordered = list(problems)
    reports: list[ProblemReport] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="content-check") as pool:
        for report in pool.map(lambda problem: check_problem(problem, runner), ordered):
            reports.append(report)
            if on_report is not None:
                on_report(report)
    return CheckReport(reports, time.monotonic() - started)
