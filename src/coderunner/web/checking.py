"""Checking a teacher's reference solution against the problem's tests before it is saved.

Each test runs through the API's POST /execution/run (the real sandbox); the comparison follows
the problem's mode, as the grader does: exact, trailing (default), tokens, float.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .api_client import ApiClient, ApiError


def _trailing(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _floats_equal(a: str, b: str, tolerance: float) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=tolerance, abs_tol=tolerance)


def outputs_match(
    expected: str, actual: str, mode: str = "trailing", tolerance: float = 1e-6
) -> bool:
    if mode == "exact":
        return expected == actual
    if mode == "tokens":
        return expected.split() == actual.split()
    if mode == "float":
        want, got = expected.split(), actual.split()
        return len(want) == len(got) and all(
            _floats_equal(w, g, tolerance) for w, g in zip(want, got, strict=True)
        )
    return _trailing(expected) == _trailing(actual)


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
                passed=ran and outputs_match(expected, actual, mode, tolerance),
                verdict=verdict,
                expected=expected,
                actual=actual,
                stderr=str(result.get("stderr") or ""),
            )
        )
    return checks
