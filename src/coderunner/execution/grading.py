"""Grading: run every test case in the sandbox, compare outside it.

Expected outputs never enter the sandbox: the program gets only each test's input, and its
output is compared here with `compare_output` under the problem's comparison mode. The result
keeps every detail of every test (staff see them); what a learner sees of a hidden test (passed
or not, and its author's hint when it failed) is decided by `redaction`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from coderunner.execution.explaining import explanation_for
from coderunner.grading.compare import compare_output
from coderunner.grading.rules import (
    comparisons_made,
    counting_comparisons,
    max_comparisons,
    too_many_comparisons_message,
)
from coderunner.sandbox import Limits, RunResult, Verdict

ACCEPTED = "ACCEPTED"
WRONG_ANSWER = "WRONG_ANSWER"
DEFAULT_MODE = "trailing"
DEFAULT_TOLERANCE = 1e-6


class BatchRunner(Protocol):
    """What grading needs of a sandbox (`Sandbox.run_batch`); `content check` passes a cache."""

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
class Graded:
    verdict: str
    passed: int
    total: int
    pass_rate: float
    submission_result: dict[str, Any]
    # set when the platform failed on some test (retry the job), never user output
    internal_error: str | None = None


def comparison_of(raw: dict[str, Any] | None) -> tuple[str, float]:
    raw = raw or {}
    mode = str(raw.get("mode") or DEFAULT_MODE)
    tolerance = raw.get("tolerance")
    return mode, float(tolerance) if isinstance(tolerance, int | float) else DEFAULT_TOLERANCE


def _test_entry(
    spec: TestSpec,
    run: RunResult,
    passed: bool,
    verdict: str,
    code: str,
    age_group: str | None,
    language: str = "python",
) -> dict[str, Any]:
    """Every detail, hidden tests too: `redaction` decides what a learner sees of it."""
    entry: dict[str, Any] = {
        "index": spec.index,
        "name": spec.name,
        "hidden": spec.hidden,
        "passed": passed,
        "verdict": verdict,
        "timeMs": run.time_ms,
        "memoryKb": run.memory_kb,
        "input": spec.input,
        "expected": spec.expected,
        "actual": run.stdout,
        "stderr": run.stderr,
    }
    if not passed:
        if spec.hidden and spec.hint:
            entry["hint"] = spec.hint
        explanation = explanation_for(run.stderr, verdict, code, age_group, language)
        if explanation is not None:
            entry["explanation"] = explanation
    return entry


def grade(
    sandbox: BatchRunner,
    code: str,
    language: str,
    tests: list[TestSpec],
    comparison: dict[str, Any] | None,
    limits: Limits | None,
    age_group: str | None = None,
    rules: dict[str, Any] | None = None,
) -> Graded:
    """Blocking: call from a worker thread.

    With a `maxComparisons` rule (Python only) the hidden tests run a second batch whose
    numbers count their comparisons; a test over the limit fails with a message as its hint.
    """
    mode, tolerance = comparison_of(comparison)
    # visible tests first: the sandbox feeds inputs in this order
    ordered = sorted(tests, key=lambda t: (t.hidden, t.index))
    limit = max_comparisons(rules) if language == "python" else None
    counted = [t for t in ordered if t.hidden] if limit is not None else []
    plain = [t for t in ordered if t not in counted]
    runs = sandbox.run_batch(code, language, [t.input for t in plain], limits) if plain else []
    if counted:
        runs += sandbox.run_batch(
            counting_comparisons(code), language, [t.input for t in counted], limits
        )
    by_index = dict(zip((t.index for t in [*plain, *counted]), runs, strict=True))
    over: dict[int, str] = {}
    for spec in counted:
        made = comparisons_made(by_index[spec.index].stderr)
        if limit is not None and (made is None or made > limit):
            over[spec.index] = too_many_comparisons_message(made, limit)
    entries: list[dict[str, Any]] = []
    first_failure: str | None = None
    internal: str | None = None
    passed_count = 0
    for spec in sorted(tests, key=lambda t: t.index):
        run = by_index[spec.index]
        if run.verdict == Verdict.INTERNAL_ERROR:
            internal = internal or run.internal_reason or "internal error in the sandbox"
        if run.verdict == Verdict.OK:
            passed = compare_output(spec.expected, run.stdout, mode, tolerance)
            verdict = ACCEPTED if passed else WRONG_ANSWER
            if passed and spec.index in over:
                passed, verdict = False, WRONG_ANSWER
                spec = replace(spec, hint=over[spec.index])
        else:
            passed, verdict = False, run.verdict.value
        if passed:
            passed_count += 1
        elif first_failure is None:
            first_failure = verdict
        entries.append(_test_entry(spec, run, passed, verdict, code, age_group, language))
    total = len(tests)
    pass_rate = passed_count / total if total else 0.0
    verdict = ACCEPTED if first_failure is None and total else (first_failure or WRONG_ANSWER)
    return Graded(
        verdict=verdict,
        passed=passed_count,
        total=total,
        pass_rate=pass_rate,
        submission_result={
            "passed": passed_count,
            "total": total,
            "passRate": round(pass_rate, 4),
            "verdict": verdict,
            "tests": entries,
        },
        internal_error=internal,
    )
