"""The one grader: does this program pass these tests?

Submissions (the worker), `coderunner content check` and a teacher's check of a draft problem
(`POST /execution/check`) all call `grade`, with the limits of `grading_limits` (the sandbox's
defaults, then the language's, then the problem's) and the verdicts of `kernel.verdicts`.

Expected outputs never enter the sandbox: the program gets only each test's input, and its
output is compared here under the problem's comparison mode. All the tests run in one sandbox
batch (visible tests first). With a `maxComparisons` rule (Python only) the hidden tests run in
a second batch whose numbers count their comparisons; a test over the limit fails with a
message a child can act on as its hint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from coderunner.kernel.verdicts import Verdict
from coderunner.sandbox import Limits, RunResult, SandboxConfig, get_language
from coderunner.sandbox import Verdict as RunVerdict

from .compare import DEFAULT_MODE, DEFAULT_TOLERANCE, compare_output
from .rules import (
    comparisons_made,
    counting_comparisons,
    max_comparisons,
    too_many_comparisons_message,
)
from .schemas import DRAWING


class BatchRunner(Protocol):
    """What grading needs of a sandbox: `Sandbox` itself, or a wrapper that caches or counts."""

    @property
    def config(self) -> SandboxConfig: ...

    def run_batch(
        self,
        code: str | bytes,
        language: str,
        stdins: Sequence[str | bytes],
        limits: Limits | None = None,
    ) -> list[RunResult]: ...


@dataclass(frozen=True, slots=True)
class TestSpec:
    __test__ = False  # not a pytest class

    index: int
    name: str
    input: str
    expected: str
    hidden: bool
    hint: str | None = None  # what the test checks, in a child's words


@dataclass(frozen=True, slots=True)
class Comparison:
    mode: str = DEFAULT_MODE
    tolerance: float = DEFAULT_TOLERANCE
    # mode `drawing` (turtle problems, drawing_grader.py): whether colours count, and the
    # reference solution whose drawing each test's is compared with (set by the caller)
    colours: bool = True
    reference: str | None = None

    @classmethod
    def stored(cls, raw: Mapping[str, Any] | None) -> Comparison:
        """From a problem's stored `{mode, tolerance}` (either may be missing)."""
        raw = raw or {}
        tolerance = raw.get("tolerance")
        return cls(
            mode=str(raw.get("mode") or DEFAULT_MODE),
            tolerance=float(tolerance)
            if isinstance(tolerance, int | float) and not isinstance(tolerance, bool)
            else DEFAULT_TOLERANCE,
            colours=raw.get("colours") is not False,
        )


@dataclass(frozen=True, slots=True)
class TestGrade:
    __test__ = False  # not a pytest class

    spec: TestSpec  # its hint replaced by why it failed a rule, when it did
    run: RunResult
    verdict: Verdict
    # graded on its drawing (mode `drawing`): the output was not compared, and `why` says how
    # the picture differs from the reference's, in a child's words, when it does
    on_drawing: bool = False
    why: str | None = None

    @property
    def passed(self) -> bool:
        return self.verdict == Verdict.ACCEPTED


@dataclass(frozen=True, slots=True)
class Grade:
    verdict: Verdict  # ACCEPTED, or the first failing test's verdict
    tests: tuple[TestGrade, ...]  # in the order of the tests' index
    # set when the platform failed on some test (grade again), never the program's output
    internal_error: str | None = None

    @property
    def passed(self) -> int:
        return sum(1 for test in self.tests if test.passed)

    @property
    def total(self) -> int:
        return len(self.tests)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def grading_limits(
    config: SandboxConfig, language: str, problem_limits: Mapping[str, Any] | None
) -> Limits:
    """The limits a program is graded (or run) under: the sandbox's defaults, the language's
    overrides, then the problem's (`{timeLimitS, memoryMb}` as stored; the Judge0 API may set
    `cpuTimeS` and `wallTimeS` apart). The sandbox caps the result at its maxima."""
    stored = problem_limits or {}
    time_s = stored.get("timeLimitS")
    base = get_language(language, config.languages).limits(config.default_limits)
    return base.capped_by(config.maxima).with_overrides(
        wall_time_s=stored.get("wallTimeS", time_s),
        cpu_time_s=stored.get("cpuTimeS", time_s),
        memory_mb=stored.get("memoryMb"),
    )


def _test_verdict(spec: TestSpec, run: RunResult, comparison: Comparison) -> Verdict:
    if run.verdict != RunVerdict.OK:
        return Verdict(run.verdict.value)
    same = compare_output(spec.expected, run.stdout, comparison.mode, comparison.tolerance)
    return Verdict.ACCEPTED if same else Verdict.WRONG_ANSWER


def grade(
    runner: BatchRunner,
    code: str,
    language: str,
    tests: Sequence[TestSpec],
    comparison: Comparison,
    limits: Limits,
    rules: Mapping[str, Any] | None = None,
) -> Grade:
    """Grade `code` on `tests`. Blocking (the sandbox runs): call it from a worker thread."""
    if comparison.mode == DRAWING:
        from .drawing_grader import grade_drawings  # it builds on this module's types

        return grade_drawings(runner, code, language, tests, comparison, limits)
    ordered = sorted(tests, key=lambda t: (t.hidden, t.index))  # visible tests run first
    limit = max_comparisons(rules) if language == "python" else None
    counted = [t for t in ordered if t.hidden] if limit is not None else []
    plain = [t for t in ordered if t not in counted]
    runs = runner.run_batch(code, language, [t.input for t in plain], limits) if plain else []
    if counted:
        runs += runner.run_batch(
            counting_comparisons(code), language, [t.input for t in counted], limits
        )
    by_index = dict(zip((t.index for t in [*plain, *counted]), runs, strict=True))
    graded: list[TestGrade] = []
    internal: str | None = None
    for spec in sorted(tests, key=lambda t: t.index):
        run = by_index[spec.index]
        if run.verdict == RunVerdict.INTERNAL_ERROR:
            internal = internal or run.internal_reason or "internal error in the sandbox"
        verdict = _test_verdict(spec, run, comparison)
        if verdict == Verdict.ACCEPTED and spec in counted and limit is not None:
            made = comparisons_made(run.stderr)
            if made is None or made > limit:
                verdict = Verdict.WRONG_ANSWER
                spec = replace(spec, hint=too_many_comparisons_message(made, limit))
        graded.append(TestGrade(spec, run, verdict))
    failing = next((test.verdict for test in graded if not test.passed), None)
    if failing is None:
        failing = None if graded else Verdict.WRONG_ANSWER  # no tests: nothing was shown
    return Grade(failing or Verdict.ACCEPTED, tuple(graded), internal)
