"""Checking a teacher's reference solution against the draft problem before it is saved.

The API grades it (POST /execution/check): in the sandbox, through the queue, with the grader
and limits submissions use. The page reports each test plainly.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from coderunner.execution.schemas import JobOut, TestResultOut
from coderunner.kernel.verdicts import Verdict

from .api_client import ApiClient, ApiError

# a check of many tests may outlast the API's own wait: the page polls the job this long
CHECK_WAIT_S = 60.0
CHECK_POLL_S = 0.5

# what happened on one test, in the teacher's words
VERDICT_WORDS: dict[Verdict, str] = {
    Verdict.ACCEPTED: "passed",
    Verdict.WRONG_ANSWER: "printed something other than the expected output",
    Verdict.TIME_LIMIT_EXCEEDED: "ran out of time",
    Verdict.MEMORY_LIMIT_EXCEEDED: "used too much memory",
    Verdict.OUTPUT_LIMIT_EXCEEDED: "printed too much",
    Verdict.RUNTIME_ERROR: "stopped with an error",
    Verdict.COMPILATION_ERROR: "did not compile",
    Verdict.INTERNAL_ERROR: "could not be run (the server's fault, not the solution's)",
}


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

    @property
    def words(self) -> str:
        return VERDICT_WORDS.get(self.verdict, self.verdict.value)


def draft_check_body(problem: dict[str, Any]) -> dict[str, Any]:
    """The POST /execution/check body (`DraftCheckIn`) of the editor's problem body."""
    return {
        "code": problem["referenceSolution"],
        "language": problem.get("language") or "python",
        "tests": problem["tests"],
        "comparison": problem["comparison"],
        "limits": problem.get("limits") or {},
        "rules": problem.get("rules"),
    }


def _check(test: TestResultOut) -> TestCheck:
    verdict = Verdict(test.verdict) if test.verdict else Verdict.INTERNAL_ERROR
    return TestCheck(
        index=test.index,
        name=test.name,
        passed=test.passed,
        verdict=verdict,
        expected=test.expected or "",
        actual=test.actual or "",
        stderr=test.stderr or "",
    )


async def check_solution(client: ApiClient, problem: dict[str, Any]) -> list[TestCheck]:
    """Grade the draft's reference solution on its tests; one `TestCheck` per test."""
    job = JobOut.model_validate(
        await client.request(
            "POST", "/execution/check", json=draft_check_body(problem), params={"wait": "true"}
        )
    )
    deadline = time.monotonic() + CHECK_WAIT_S
    while job.status not in ("completed", "failed"):
        if time.monotonic() > deadline:
            raise ApiError(504, "CHECK_TIMEOUT", "The sandbox took too long; try checking again.")
        await asyncio.sleep(CHECK_POLL_S)
        job = JobOut.model_validate(await client.get(f"/execution/{job.job_id}"))
    if job.submission_result is None:
        raise ApiError(
            503,
            "CHECK_FAILED",
            "The sandbox could not check the solution just now; try checking again.",
            retry_after="5",
        )
    return [_check(test) for test in job.submission_result.tests]
