"""A grade (`coderunner.grading.grade`) as a submission's stored result.

The result keeps every detail of every test (staff see them), with a child-friendly
explanation of each failure; what a learner sees of a hidden test (passed or not, and its
author's hint when it failed) is decided by `redaction`.
"""

from __future__ import annotations

from typing import Any

from coderunner.execution.explaining import explanation_for
from coderunner.grading.grader import Grade, TestGrade


def _test_entry(test: TestGrade, code: str, age_group: str | None, language: str) -> dict[str, Any]:
    spec, run = test.spec, test.run
    entry: dict[str, Any] = {
        "index": spec.index,
        "name": spec.name,
        "hidden": spec.hidden,
        "passed": test.passed,
        "verdict": test.verdict.value,
        "timeMs": run.time_ms,
        "memoryKb": run.memory_kb,
        "input": spec.input,
        "expected": spec.expected,
        "actual": run.stdout,
        "stderr": run.stderr,
    }
    if not test.passed:
        if spec.hidden and spec.hint:
            entry["hint"] = spec.hint
        explanation = explanation_for(run.stderr, test.verdict, code, age_group, language)
        if explanation is not None:
            entry["explanation"] = explanation
    return entry


def submission_result(
    grade: Grade, code: str, age_group: str | None, language: str
) -> dict[str, Any]:
    return {
        "passed": grade.passed,
        "total": grade.total,
        "passRate": round(grade.pass_rate, 4),
        "verdict": grade.verdict.value,
        "tests": [_test_entry(test, code, age_group, language) for test in grade.tests],
    }
