"""Grading a turtle problem (`comparison: {mode: drawing}`) on its picture, not its output.

Each test's input goes to the learner's program and to the reference solution, each in a run of
its own (a batch of several inputs has no drawing channel); the test passes when both draw the
same picture (`drawing.compare_drawings`: order, direction, split lines and tiny float
differences don't count; colours do unless `colours: false`). What the program prints is not
compared. The reference's drawings are kept in a small cache (same code, language, input and
limits: same drawing), so a class submitting one problem costs a run per submission and test.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from coderunner.kernel.verdicts import Verdict
from coderunner.sandbox import Limits, RunResult
from coderunner.sandbox import Verdict as RunVerdict

from .drawing import compare_drawings
from .grader import BatchRunner, Comparison, Grade, TestGrade, TestSpec

_CACHE_SIZE = 256
_cache: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
_lock = threading.Lock()
NO_REFERENCE = "the problem's reference solution did not draw (a content error)"


def _key(language: str, reference: str, stdin: str, limits: Limits) -> str:
    text = "\0".join((language, reference, stdin, repr(limits)))
    return hashlib.sha256(text.encode()).hexdigest()


def reference_drawing(
    runner: BatchRunner, language: str, reference: str, stdin: str, limits: Limits
) -> dict[str, Any] | RunResult | None:
    """The reference's drawing for this input (cached), or its run when that failed."""
    key = _key(language, reference, stdin, limits)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    (run,) = runner.run_batch(reference, language, [stdin], limits)
    if run.verdict != RunVerdict.OK:
        return run
    with _lock:
        _cache[key] = run.drawing
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return run.drawing


def grade_drawings(
    runner: BatchRunner,
    code: str,
    language: str,
    tests: Sequence[TestSpec],
    comparison: Comparison,
    limits: Limits,
) -> Grade:
    """Like `grader.grade`, each test judged on the picture its run drew."""
    graded: list[TestGrade] = []
    internal: str | None = None
    for spec in sorted(tests, key=lambda t: (t.hidden, t.index)):  # visible tests run first
        (run,) = runner.run_batch(code, language, [spec.input], limits)
        why: str | None = None
        if run.verdict == RunVerdict.INTERNAL_ERROR:
            internal = internal or run.internal_reason or "internal error in the sandbox"
        if run.verdict != RunVerdict.OK:
            verdict = Verdict(run.verdict.value)
        else:
            expected = (
                reference_drawing(runner, language, comparison.reference, spec.input, limits)
                if comparison.reference
                else RunResult.internal_error(NO_REFERENCE)
            )
            if isinstance(expected, RunResult):
                internal = internal or NO_REFERENCE
                verdict = Verdict.WRONG_ANSWER
            else:
                why = compare_drawings(expected, run.drawing, comparison.colours)
                verdict = Verdict.ACCEPTED if why is None else Verdict.WRONG_ANSWER
        graded.append(TestGrade(spec, run, verdict, on_drawing=True, why=why))
    graded.sort(key=lambda test: test.spec.index)
    failing = next((test.verdict for test in graded if not test.passed), None)
    if failing is None:
        failing = None if graded else Verdict.WRONG_ANSWER
    return Grade(failing or Verdict.ACCEPTED, tuple(graded), internal)
