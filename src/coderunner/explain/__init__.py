"""Beginner-friendly explanations of a failed run: what happened, which line, a likely fix.

`explain(stderr, verdict, code, age_group)` reads the run's traceback (or its verdict, for the
limits) and returns an `Explanation`, or None when there is nothing to explain.
"""

from __future__ import annotations

from coderunner.kernel.verdicts import Verdict

from .java import explain_java
from .javascript import explain_javascript
from .model import Explanation
from .rules import RULES, Words, generic
from .traceback import ParsedError, parse_traceback

__all__ = ["Explanation", "ParsedError", "explain", "parse_traceback"]

_LIMITS: dict[str, Words] = {
    Verdict.TIME_LIMIT_EXCEEDED: Words(
        "The program took too long",
        "Your program was still running when time ran out. Often a loop never stops, like a "
        "`while` loop whose condition always stays true. It can also be waiting for input.",
        "Check that every `while` loop changes something so it can end, and that the program "
        "does not do much more work than it needs.",
    ),
    Verdict.MEMORY_LIMIT_EXCEEDED: Words(
        "The program used too much memory",
        "Your program kept too many things at once, like a list that grows and grows.",
        "Check that a loop does not add to a list forever, and keep only what you need.",
    ),
    Verdict.OUTPUT_LIMIT_EXCEEDED: Words(
        "The program printed too much",
        "Your program printed far more than expected. Usually a `print` is inside a loop "
        "that never stops.",
        "Check your loops: does each one end? Is the `print` in the right place?",
    ),
}
_QUIET_VERDICTS = frozenset(
    {Verdict.OK, Verdict.ACCEPTED, Verdict.WRONG_ANSWER, Verdict.INTERNAL_ERROR}
)


def explain(
    stderr: str,
    verdict: str,
    code: str,
    age_group: str | None = None,
    language: str = "python",
) -> Explanation | None:
    """Explain a failed run to a learner, or return None when there is nothing to explain."""
    verdict = str(verdict)
    if verdict in _LIMITS:
        words = _LIMITS[verdict]
        return Explanation(words.title, words.message, None, words.hint, verdict)
    if verdict in _QUIET_VERDICTS:
        return None
    if language == "javascript":
        return explain_javascript(stderr, verdict, age_group)
    if language == "java":
        return explain_java(stderr, verdict, age_group)
    parsed = parse_traceback(stderr)
    if parsed is None:
        if verdict != Verdict.RUNTIME_ERROR:
            return None
        return Explanation(
            "The program stopped",
            "Your program stopped before the end, without a Python error message.",
            None,
            "Check that it does not call `exit()` early, and run it again.",
            verdict,
        )
    words = next(
        (found for rule in RULES.get(parsed.type, []) if (found := rule(parsed, code))),
        None,
    ) or generic(parsed)
    message = words.message
    if parsed.line is not None:
        message = f"Line {parsed.line}: {message}"
    if age_group == "13-16":  # older learners also learn to read Python's own words
        message += f" (Python says: {parsed.type}: {parsed.message})".replace(": )", ")")
    return Explanation(words.title, message, parsed.line, words.hint, parsed.type)
