"""One grader: a submission, `content check` and a teacher's check of a draft give the same
verdicts for the same program (real sandbox, real queue, real worker)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from coderunner.content.check import grade_problem
from coderunner.content.schema import Problem
from coderunner.kernel.verdicts import Verdict
from coderunner.sandbox import Sandbox, get_sandbox
from coderunner.web.api_client import ApiClient
from coderunner.web.checking import check_solution
from coderunner.web.session import SESSION_COOKIE
from tests.support.app import Account

from .conftest import add_problem, wait_job

pytestmark = pytest.mark.sandbox

A, W, T, R, C = (
    Verdict.ACCEPTED,
    Verdict.WRONG_ANSWER,
    Verdict.TIME_LIMIT_EXCEEDED,
    Verdict.RUNTIME_ERROR,
    Verdict.COMPILATION_ERROR,
)
# double the number: three visible tests, three hidden (as the curriculum requires)
TESTS = [("1", "2"), ("2", "4"), ("3", "6"), ("10", "20"), ("500", "1000"), ("7", "14")]
HIDDEN_FROM = 3
TIME_LIMIT_S = 1.0

PYTHON = {
    "right": ("print(2 * int(input()))\n", [A, A, A, A, A, A]),
    "wrong answer": ("n = int(input())\nprint(n + 2)\n", [W, A, W, W, W, W]),
    "too slow": ("n = int(input())\nwhile n > 100:\n    pass\nprint(2 * n)\n", [A, A, A, A, T, A]),
    "crash": ("n = int(input())\nassert n < 5\nprint(2 * n)\n", [A, A, A, R, R, R]),
}
JAVA_COMPILE_ERROR = ("public class Main { void broken( }\n", [C] * len(TESTS))


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Grading does not touch the database: one database is enough here."""
    return sqlite_url


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return get_sandbox()


def _api_tests() -> list[dict[str, Any]]:
    return [
        {"name": f"t{i}", "input": given, "expectedOutput": want, "hidden": i >= HIDDEN_FROM}
        for i, (given, want) in enumerate(TESTS)
    ]


def _draft(problem_id: str, language: str, solution: str) -> dict[str, Any]:
    return {
        "id": problem_id,
        "title": f"Double ({language})",
        "ageGroup": "10-12",
        "levelNumber": 1,
        "order": 1,
        "statement": "Print twice the number.",
        "starterCode": "",
        "hints": [],
        "concepts": ["numbers"],
        "difficulty": "easy",
        "xp": 10,
        "comparison": {"mode": "trailing", "tolerance": 1e-6},
        "limits": {"timeLimitS": TIME_LIMIT_S},
        "language": language,
        "referenceSolution": solution,
        "tests": _api_tests(),
    }


def _content_problem(problem_id: str, language: str, solution: str) -> Problem:
    return Problem.model_validate(
        {
            "id": problem_id,
            "title": "Double",
            "ageGroup": "10-12",
            "level": 1,
            "order": 1,
            "difficulty": "easy",
            "xp": 10,
            "concepts": ["numbers"],
            "statement": "Print twice the number.",
            "starterCode": "",
            "hints": ["Multiply.", "By two."],
            "solution": solution,
            "language": language,
            "limits": {"timeLimitS": TIME_LIMIT_S},
            "tests": [
                {"name": f"t{i}", "input": given, "output": want, "hidden": i >= HIDDEN_FROM}
                for i, (given, want) in enumerate(TESTS)
            ],
        }
    )


def _web_client(http: httpx.AsyncClient, account: Account) -> ApiClient:
    """The web process's API client, as a page render of this teacher builds it."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/teach/problems/new",
        "headers": [(b"cookie", f"{SESSION_COOKIE}={account.token}".encode())],
        "client": ("127.0.0.1", 50000),
    }
    return ApiClient(http, Request(scope))


async def _submitted(
    client: httpx.AsyncClient, teacher: Account, problem_id: str, language: str, code: str
) -> tuple[Verdict, list[Verdict]]:
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": problem_id, "code": code, "language": language},
        headers=teacher.headers,
    )
    assert response.status_code in (200, 202), response.text
    job = response.json()
    if job["status"] not in ("completed", "failed"):
        job = await wait_job(client, job["jobId"], teacher.headers, within_s=120)
    result = job["submissionResult"]
    assert result is not None, job
    return Verdict(result["verdict"]), [Verdict(t["verdict"]) for t in result["tests"]]


@pytest.mark.parametrize(
    ("language", "name"),
    [*(("python", name) for name in PYTHON), ("java", "compile error")],
)
async def test_every_path_gives_the_same_verdicts(
    client: httpx.AsyncClient, teacher: Account, sandbox: Sandbox, language: str, name: str
) -> None:
    code, expected = PYTHON[name] if language == "python" else JAVA_COMPILE_ERROR
    overall = next((v for v in expected if v != A), A)
    problem_id = f"double-{language}"
    await add_problem(client, teacher, problem_id, **_draft(problem_id, language, code))

    # 1. a submission: the queue, a worker, the problem as stored
    submitted = await _submitted(client, teacher, problem_id, language, code)
    # 2. `coderunner content check`: the curriculum's model of the same problem
    graded = grade_problem(_content_problem(problem_id, language, code), code, sandbox)
    checked_content = (graded.verdict, [test.verdict for test in graded.tests])
    # 3. the teacher's check in the editor: the web asks the API to grade the draft
    checks = await check_solution(_web_client(client, teacher), _draft("", language, code))
    by_teacher = [check.verdict for check in checks]

    assert submitted == (overall, expected)
    assert checked_content == (overall, expected)
    assert by_teacher == expected
    # and the teacher reads each test plainly, never "failed (OK)"
    assert all(check.passed == (check.verdict == A) for check in checks)
    assert all("OK" not in check.words for check in checks)


async def test_only_teachers_check_drafts(client: httpx.AsyncClient, learner: Account) -> None:
    body = {"code": "print(1)", "tests": [{"input": "", "expectedOutput": "1"}]}
    response = await client.post("/execution/check", json=body, headers=learner.headers)
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "CHECKS_FOR_STAFF"


async def test_a_draft_solution_that_breaks_its_own_rule_is_named(
    client: httpx.AsyncClient, teacher: Account
) -> None:
    body = {
        "code": "print(max(1, 2))",
        "tests": [{"input": "", "expectedOutput": "2"}],
        "rules": {"forbiddenNames": ["max"]},
    }
    response = await client.post("/execution/check", json=body, headers=teacher.headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "RULE_BROKEN"
    assert error["message"].startswith("the solution breaks the problem's own rule: ")


async def test_a_teachers_check_is_committed_before_it_is_waited_for(
    client: httpx.AsyncClient, teacher: Account, learner: Account
) -> None:
    """A check with `wait=true` answers finished: its job was committed before it was sent (on
    SQLite an open admission held the one write lock through the wait, so the worker could not
    claim it, and every other learner's run stalled behind the teacher's check)."""
    body = {"code": "print(2)", "tests": [{"input": "", "expectedOutput": "2"}]}
    checking = asyncio.create_task(
        client.post("/execution/check?wait=true", json=body, headers=teacher.headers)
    )
    # a learner's run meanwhile is not held up by the teacher's open transaction
    run = await client.post(
        "/execution/run?wait=true", json={"code": "print('mine')"}, headers=learner.headers
    )
    assert run.status_code == 200, run.text
    assert run.json()["status"] == "completed", run.json()
    response = await checking
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed", response.json()
