"""JavaScript and Java through the whole pipeline: a run, a graded submission, an explanation,
and a problem that is solved in one language only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import add_problem, wait_job

pytestmark = pytest.mark.sandbox

JS_SOLUTION = 'const w = require("fs").readFileSync(0, "utf8").trim();\n' + (
    'console.log(w.split("").reverse().join(""));\n'
)


async def test_a_javascript_run_explains_its_error(client: httpx.AsyncClient, learner: Any) -> None:
    body = {"code": "let x = 1;\nconsole.log(y);\n", "language": "javascript"}
    response = await client.post("/execution/run?wait=true", json=body, headers=learner.headers)
    assert response.status_code in (200, 202), response.text
    job = await wait_job(client, response.json()["jobId"], learner.headers, within_s=60)
    assert job["verdict"] == "RUNTIME_ERROR"
    explanation = job["result"]["explanation"]
    assert explanation["kind"] == "ReferenceError"
    assert explanation["line"] == 2


async def test_a_java_compile_error_is_explained(client: httpx.AsyncClient, learner: Any) -> None:
    code = "public class Main {\n  public static void main(String[] a) {\n    int x = 1\n  }\n}\n"
    response = await client.post(
        "/execution/run?wait=true", json={"code": code, "language": "java"}, headers=learner.headers
    )
    job = await wait_job(client, response.json()["jobId"], learner.headers, within_s=90)
    assert job["verdict"] == "COMPILATION_ERROR"
    assert "';' expected" in job["result"]["stderr"]
    assert job["result"]["explanation"]["title"] == "A semicolon `;` is missing"


async def test_a_problem_is_solved_in_its_own_language(
    client: httpx.AsyncClient, teacher: Any, learner: Any
) -> None:
    await add_problem(
        client, teacher, "js-reverse", language="javascript", referenceSolution=JS_SOLUTION,
        starterCode="// your code\n",
    )  # fmt: skip
    wrong = await client.post(
        "/execution/submit",
        json={"problemId": "js-reverse", "code": "print(input()[::-1])", "language": "python"},
        headers=learner.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "WRONG_LANGUAGE"
    assert "JavaScript" in wrong.json()["error"]["message"]
    right = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": "js-reverse", "code": JS_SOLUTION, "language": "javascript"},
        headers=learner.headers,
    )
    job = await wait_job(client, right.json()["jobId"], learner.headers, within_s=60)
    visible = job["submissionResult"]["tests"][0]
    assert visible["passed"], job  # graded in JavaScript (the payload's hidden test is a marker)
    assert visible["actual"] == "cba\n"


async def test_a_learner_chooses_among_the_languages_a_problem_allows(
    client: httpx.AsyncClient, teacher: Any, learner: Any
) -> None:
    await add_problem(
        client, teacher, "reverse-either", language="python",
        referenceSolution="print(input()[::-1])\n", starterCode="word = input()\n",
        otherLanguages={"javascript": {"starterCode": "// read a word\n", "solution": JS_SOLUTION}},
    )  # fmt: skip
    shown = (await client.get("/problems/reverse-either", headers=learner.headers)).json()
    assert shown["languages"] == ["python", "javascript"]
    # (input models strip surrounding whitespace)
    assert shown["starters"] == {"python": "word = input()", "javascript": "// read a word"}
    java = await client.post(
        "/execution/submit",
        json={"problemId": "reverse-either", "code": "class Main {}", "language": "java"},
        headers=learner.headers,
    )
    assert java.status_code == 422
    assert java.json()["error"]["code"] == "WRONG_LANGUAGE"
    assert "Python or JavaScript" in java.json()["error"]["message"]
    for language, code in (("javascript", JS_SOLUTION), ("python", "print(input()[::-1])\n")):
        posted = await client.post(
            "/execution/submit?wait=true",
            json={"problemId": "reverse-either", "code": code, "language": language},
            headers=learner.headers,
        )
        assert posted.status_code in (200, 202), posted.text
        job = await wait_job(client, posted.json()["jobId"], learner.headers, within_s=60)
        assert job["language"] == language
        assert job["submissionResult"]["tests"][0]["passed"], job
    full = (await client.get("/problems/reverse-either/full", headers=teacher.headers)).json()
    assert full["otherLanguages"]["javascript"]["solution"] == JS_SOLUTION.strip()
    # staff see it always (a learner after solving: the payload's hidden test is a marker)
    solutions = await client.get("/problems/reverse-either/solution", headers=teacher.headers)
    assert solutions.status_code == 200, solutions.text
    assert solutions.json()["solutions"]["javascript"] == JS_SOLUTION.strip()
