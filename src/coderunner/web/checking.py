"""Checking a teacher's reference solution against the problem's tests before it is saved.

Each test runs through the API's POST /execution/run (the real sandbox); the output is compared
by the grader's own `compare_output`, in the problem's mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coderunner.grading import compare_output

from .api_client import ApiClient, ApiError


@dataclass
class TestCheck:
    index: int
    name: str
    passed: bool
    verdict: str
    expected: str
    actual: str
    stderr: str


async def check_solution(
    client: ApiClient,
    solution: str,
    tests: list[dict[str, Any]],
    mode: str,
    tolerance: float,
) -> list[TestCheck]:
    """Run the solution on every test's input in the sandbox and compare."""
    checks: list[TestCheck] = []
    for index, test in enumerate(tests):
        job = await client.request(
            "POST",
            "/execution/run",
            json={"code": solution, "language": "python", "stdin": test.get("input", "")},
            params={"wait": "true"},
        )
        status = job.get("status") if isinstance(job, dict) else None
        if status not in ("completed", "failed"):
            raise ApiError(504, "CHECK_TIMEOUT", "The sandbox took too long; try checking again.")
        result = job.get("result") or {}
        verdict = str(result.get("verdict") or ("INTERNAL_ERROR" if status == "failed" else ""))
        actual = str(result.get("stdout") or "")
        expected = str(test.get("output", ""))
        ran = verdict in ("OK", "ACCEPTED")
        checks.append(
            TestCheck(
                index=index,
                name=str(test.get("name") or f"Test {index + 1}"),
                passed=ran and compare_output(expected, actual, mode, tolerance),
                verdict=verdict,
                expected=expected,
                actual=actual,
                stderr=str(result.get("stderr") or ""),
            )
        )
    return checks
