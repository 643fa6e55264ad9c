"""A grade (`coderunner.grading.grade`) as a submission's stored result.

The result keeps every detail of every test (staff see them), with a child-friendly
explanation of each failure; what a learner sees of a hidden test (passed or not, and its
author's hint when it failed) is decided by `redaction`.

A failed visible test whose program finished with the wrong output is explained by the
mistake rules (`explain.mistakes`: a variable name in quotes, numbers glued, a prompt printed,
spaces, capitals, an extra line) when one of them is sure.

A program that could not start (a syntax error, or a build that failed) is reported once, as
`compileError` (its error output and explanation), and its tests carry neither: the same
traceback N times would hide that nothing ran.
"""

from __future__ import annotations

import re
from typing import Any

from coderunner.execution.explaining import explanation_for
from coderunner.explain.mistakes import Mistake, explain_mistake
from coderunner.explain.traceback import parse_traceback
from coderunner.grading.grader import Grade, TestGrade
from coderunner.kernel.verdicts import Verdict

# what Python raises before the first line of a program runs
_UNREADABLE = frozenset({"SyntaxError", "IndentationError", "TabError"})
_JS_SYNTAX = re.compile(r"^SyntaxError: ", re.M)
_JS_FRAME = re.compile(r"/sandbox/main\.js:\d+:\d+")


def _mistake_explanation(mistake: Mistake) -> dict[str, Any]:
    return {
        "title": "Nearly there! One thing to change",
        "message": mistake.message,
        "line": mistake.line,
        "hint": "",
        "kind": mistake.kind,
    }


def _test_entry(
    test: TestGrade, code: str, age_group: str | None, language: str, compiled: bool
) -> dict[str, Any]:
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
        "stderr": run.stderr if compiled else "",
    }
    if test.on_drawing:  # a turtle problem: the picture was compared, not the output
        entry["expected"] = entry["actual"] = None
        if run.drawing is not None and not spec.hidden:
            entry["drawing"] = run.drawing
    if not test.passed:
        if spec.hidden and spec.hint:
            entry["hint"] = spec.hint
        if not compiled:
            return entry
        explanation = explanation_for(run.stderr, test.verdict, code, age_group, language)
        if test.why is not None and not spec.hidden:  # a drawing: how the picture differs
            explanation = {"title": "Not the same picture yet", "message": test.why}
        elif explanation is None and test.verdict == Verdict.WRONG_ANSWER and not spec.hidden:
            mistake = explain_mistake(spec.expected, run.stdout, code, spec.input, language)
            if mistake is not None:
                explanation = _mistake_explanation(mistake)
        if explanation is not None:
            entry["explanation"] = explanation
    return entry


def _did_not_start(test: TestGrade, language: str) -> bool:
    if test.verdict == Verdict.COMPILATION_ERROR:
        return True
    if test.verdict != Verdict.RUNTIME_ERROR:
        return False
    stderr = test.run.stderr
    if language == "javascript":
        # Node's SyntaxError while reading the file: raised in wrapSafe, before any line of
        # main.js ran (a JSON.parse SyntaxError has a main.js:line:column frame)
        return (
            _JS_SYNTAX.search(stderr) is not None
            and "at wrapSafe " in stderr
            and _JS_FRAME.search(stderr) is None
        )
    if language != "python":
        return False
    parsed = parse_traceback(stderr)
    return parsed is not None and parsed.type in _UNREADABLE


def compile_error(grade: Grade, language: str) -> TestGrade | None:
    """The first test, when the program could not start on any test (the same error each time)."""
    if not grade.tests or any(test.passed for test in grade.tests):
        return None
    first = grade.tests[0]
    if not _did_not_start(first, language):
        return None
    same = all(
        test.verdict == first.verdict and test.run.stderr == first.run.stderr
        for test in grade.tests
    )
    return first if same else None


def submission_result(
    grade: Grade, code: str, age_group: str | None, language: str
) -> dict[str, Any]:
    broken = compile_error(grade, language)
    result: dict[str, Any] = {
        "passed": grade.passed,
        "total": grade.total,
        "passRate": round(grade.pass_rate, 4),
        "verdict": grade.verdict.value,
        "tests": [
            _test_entry(test, code, age_group, language, broken is None) for test in grade.tests
        ],
    }
    if broken is not None:
        error: dict[str, Any] = {"verdict": broken.verdict.value, "stderr": broken.run.stderr}
        explanation = explanation_for(broken.run.stderr, broken.verdict, code, age_group, language)
        if explanation is not None:
            error["explanation"] = explanation
        result["compileError"] = error
    return result
