"""Checking a teacher's reference solution against the draft problem before it is saved.

The API grades it (POST /execution/check): in the sandbox, through the queue, with the grader
and limits submissions use (ADR 0011). The page reports each test plainly: "Test 3: passed",
"Test 4: your solution printed 5, the test expects 6".
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from coderunner.execution.schemas import JobOut, SubmissionResultOut, TestResultOut
from coderunner.grading.schemas import DRAWING
from coderunner.kernel.verdicts import Verdict

from .api_client import ApiClient, ApiError, parse

# a check of many tests may outlast the API's own wait: the page polls the job this long
CHECK_WAIT_S = 60.0
CHECK_POLL_S = 0.5
# printed and expected outputs this short, on one line, are quoted in the sentence itself
INLINE_CHARS = 40

# what happened on one test when the program did not finish, in the teacher's words
STOPPED_WORDS: dict[Verdict, str] = {
    Verdict.TIME_LIMIT_EXCEEDED: "your solution ran out of time",
    Verdict.MEMORY_LIMIT_EXCEEDED: "your solution used too much memory",
    Verdict.OUTPUT_LIMIT_EXCEEDED: "your solution printed too much",
    Verdict.RUNTIME_ERROR: "your solution stopped with an error",
    Verdict.COMPILATION_ERROR: "your solution did not compile",
    Verdict.INTERNAL_ERROR: "the sandbox could not run it (our fault, not your solution's); "
    "check again in a moment",
}


def _quoted(text: str) -> str | None:
    """`text` quoted for a sentence, or None when it is too long or has several lines."""
    shown = text.rstrip("\n")
    if not shown:
        return "nothing"
    if "\n" in shown or len(shown) > INLINE_CHARS:
        return None
    return f"“{shown}”"


@dataclass(frozen=True)
class TestCheck:
    __test__ = False  # not a pytest class

    index: int
    name: str
    passed: bool
    verdict: Verdict
    expected: str
    actual: str
    stderr: str
    hidden: bool = False
    on_drawing: bool = False
    why: str = ""  # a drawing: how the picture differs

    @property
    def label(self) -> str:
        """ "Test 3", with the test's own name when it has one of its own."""
        number = f"Test {self.index + 1}"
        name = self.name.strip()
        if not name or name.lower() == number.lower():
            return number
        return f"{number} ({name})"

    @property
    def shows_outputs(self) -> bool:
        """Whether the printed and expected outputs are shown below the sentence."""
        return (
            not self.passed
            and self.verdict == Verdict.WRONG_ANSWER
            and not self.on_drawing
            and (_quoted(self.actual) is None or _quoted(self.expected) is None)
        )

    @property
    def words(self) -> str:
        """What happened, as a plain sentence without the test's label."""
        if self.passed:
            return "passed"
        if self.verdict == Verdict.WRONG_ANSWER:
            if self.on_drawing:
                why = self.why.rstrip(".")
                return f"your solution drew a different picture{': ' + why if why else ''}"
            actual, expected = _quoted(self.actual), _quoted(self.expected)
            if actual is not None and expected is not None:
                return f"your solution printed {actual}, the test expects {expected}"
            return "your solution printed something other than what the test expects (below)"
        return STOPPED_WORDS.get(self.verdict, "your solution did not pass this test")


def draft_check_body(problem: dict[str, Any], language: str, code: str) -> dict[str, Any]:
    """The POST /execution/check body (`DraftCheckIn`) for one language's solution."""
    return {
        "code": code,
        "language": language,
        "tests": problem["tests"],
        "comparison": problem["comparison"],
        "limits": problem.get("limits") or {},
        "rules": problem.get("rules"),
    }


def _check(test: TestResultOut, compile_error: str, drawing: bool) -> TestCheck:
    verdict = Verdict(test.verdict) if test.verdict else Verdict.INTERNAL_ERROR
    why = ""
    if drawing and test.explanation:
        why = str(test.explanation.get("message") or "")
    stderr = test.stderr or ""
    if verdict == Verdict.COMPILATION_ERROR and not stderr:
        stderr = compile_error
    return TestCheck(
        index=test.index,
        name=test.name,
        passed=test.passed,
        verdict=verdict,
        expected=test.expected or "",
        actual=test.actual or "",
        stderr=stderr,
        hidden=test.hidden,
        on_drawing=drawing,
        why=why,
    )


def checks_of(result: SubmissionResultOut, *, drawing: bool = False) -> list[TestCheck]:
    """One `TestCheck` per test; a build error's output is told once, on the first test.
    `drawing`: the tests compared pictures (a turtle problem), not printed output."""
    compile_error = result.compile_error.stderr if result.compile_error else ""
    checks = []
    for test in result.tests:
        checks.append(_check(test, compile_error, drawing))
        if checks[-1].verdict == Verdict.COMPILATION_ERROR:
            compile_error = ""
    return checks


async def check_solution(
    client: ApiClient,
    problem: dict[str, Any],
    language: str | None = None,
    code: str | None = None,
) -> list[TestCheck]:
    """Grade one solution of the draft on its tests (by default the reference solution in the
    problem's language); one `TestCheck` per test."""
    body = draft_check_body(
        problem,
        language or problem.get("language") or "python",
        problem["referenceSolution"] if code is None else code,
    )
    job = parse(
        JobOut,
        await client.request("POST", "/execution/check", json=body, params={"wait": "true"}),
    )
    deadline = time.monotonic() + CHECK_WAIT_S
    while job.status not in ("completed", "failed"):
        if time.monotonic() > deadline:
            raise ApiError(504, "CHECK_TIMEOUT", "The sandbox took too long; try checking again.")
        await asyncio.sleep(CHECK_POLL_S)
        job = await client.read(JobOut, f"/execution/{job.job_id}")
    if job.submission_result is None:
        raise ApiError(
            503,
            "CHECK_FAILED",
            "The sandbox could not check the solution just now; try checking again.",
            retry_after="5",
        )
    drawing = (problem.get("comparison") or {}).get("mode") == DRAWING
    return checks_of(job.submission_result, drawing=drawing)
