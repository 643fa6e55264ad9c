"""Runs and submissions end to end over HTTP: embedded workers, real sandbox, SQLite + PG."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from coderunner.progress.models import Progress
from coderunner.sandbox import SERVER_MAXIMA
from tests.support.app import SECRET_MARKERS, register

from .conftest import SOLUTION, add_problem, wait_job


async def test_run_with_wait_answers_the_finished_job(
    client: httpx.AsyncClient, learner: Any
) -> None:
    response = await client.post(
        "/execution/run?wait=true",
        json={"code": "name = input()\nprint('hi', name)", "stdin": "Ada"},
        headers=learner.headers,
    )
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] == "completed"
    assert job["type"] == "run"
    assert job["queue"] == "code-execution"
    assert job["attempts"] == 1
    assert job["result"]["verdict"] == "OK"
    assert job["result"]["stdout"] == "hi Ada\n"
    assert job["startedAt"] is not None
    assert job["finishedAt"] is not None
    assert job["submissionResult"] is None


async def test_run_without_wait_is_accepted_then_polled(
    client: httpx.AsyncClient, learner: Any
) -> None:
    response = await client.post(
        "/execution/run", json={"code": "print(6 * 7)"}, headers=learner.headers
    )
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["status"] in ("pending", "processing")
    job = await wait_job(client, started["jobId"], learner.headers)
    assert job["result"]["stdout"] == "42\n"


async def test_runtime_error_is_completed_with_verdict_and_explanation(
    client: httpx.AsyncClient, learner: Any
) -> None:
    response = await client.post(
        "/execution/run?wait=true", json={"code": "print(1/0)"}, headers=learner.headers
    )
    assert response.status_code == 200
    job = response.json()
    # the code ran: completed, and the verdict says how
    assert job["status"] == "completed"
    assert job["verdict"] == "RUNTIME_ERROR"
    assert "ZeroDivisionError" in job["result"]["stderr"]
    assert job["result"]["explanation"]


async def test_requested_limits_apply(client: httpx.AsyncClient, teacher: Any) -> None:
    response = await client.post(
        "/execution/run?wait=true",
        json={"code": "while True:\n    pass", "limits": {"timeLimitS": 1}},
        headers=teacher.headers,
    )
    job = response.json()
    assert job["verdict"] == "TIME_LIMIT_EXCEEDED"
    assert job["result"]["wallMs"] < 4000


@pytest.mark.parametrize(
    "limits", [{"timeLimitS": 20, "memoryMb": 512}, {"timeLimitS": 1}, {"memoryMb": 64}, {}]
)
async def test_learners_cannot_choose_their_limits(
    client: httpx.AsyncClient, learner: Any, limits: dict[str, Any]
) -> None:
    """A learner's run gets the defaults; sending `limits` at all is a clear 403."""
    response = await client.post(
        "/execution/run", json={"code": "print(1)", "limits": limits}, headers=learner.headers
    )
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "LIMITS_FOR_STAFF"
    assert "teacher" in error["message"]


async def test_staff_may_raise_limits_up_to_the_maxima(
    client: httpx.AsyncClient, admin: Any
) -> None:
    too_much = {"timeLimitS": SERVER_MAXIMA.wall_time_s + 1}
    refused = await client.post(
        "/execution/run", json={"code": "print(1)", "limits": too_much}, headers=admin.headers
    )
    assert refused.status_code == 422
    raised = {"timeLimitS": SERVER_MAXIMA.wall_time_s, "memoryMb": SERVER_MAXIMA.memory_mb}
    response = await client.post(
        "/execution/run?wait=true",
        json={"code": "print(1)", "limits": raised},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"]["stdout"] == "1\n"


async def test_submission_grades_redacts_hidden_tests_and_records_progress_once(
    client: httpx.AsyncClient,
    learner: Any,
    teacher: Any,
    problem: dict[str, Any],
    app: FastAPI,
) -> None:
    seen: list[str] = []
    wrong = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": problem["id"], "code": "print(input())"},
        headers=learner.headers,
    )
    assert wrong.status_code == 200, wrong.text
    seen.append(wrong.text)
    body = wrong.json()
    result = body["submissionResult"]
    assert body["status"] == "completed"
    assert result["verdict"] == body["verdict"] == "WRONG_ANSWER"
    assert (result["passed"], result["total"], result["passRate"]) == (0, 2, 0.0)
    visible, hidden = result["tests"]
    assert visible["hidden"] is False
    assert (visible["input"], visible["expected"], visible["actual"]) == ("abc", "cba", "abc\n")
    assert visible["verdict"] == "WRONG_ANSWER"
    assert set(hidden) == {"index", "name", "hidden", "passed"}
    assert hidden["hidden"] is True
    assert hidden["passed"] is False

    # a problem whose hidden test a correct solution can pass
    hidden_in, hidden_out = "QZX-hidden-9931", "1399-neddih-XZQ"
    tests = [
        {"name": "visible", "input": "abc", "expectedOutput": "cba"},
        {"name": "secret", "input": hidden_in, "expectedOutput": hidden_out, "hidden": True},
    ]
    solvable = await add_problem(client, teacher, "reverse-again", tests=tests, xp=15)
    right = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": solvable["id"], "code": SOLUTION},
        headers=learner.headers,
    )
    seen.append(right.text)
    result = right.json()["submissionResult"]
    assert result["verdict"] == "ACCEPTED"
    assert (result["passed"], result["total"], result["passRate"]) == (2, 2, 1.0)
    again = await client.post(
        "/execution/submit?wait=true",
        # changed code: the very same code would get the first result back (no second run)
        json={"problemId": solvable["id"], "code": SOLUTION + "# once more\n"},
        headers=learner.headers,
    )
    seen.append(again.text)
    job_id = again.json()["jobId"]
    seen.append((await client.get(f"/execution/{job_id}", headers=learner.headers)).text)
    seen.append((await client.get(f"/execution/{job_id}/events", headers=learner.headers)).text)
    for text in seen:
        for marker in (*SECRET_MARKERS, hidden_in, hidden_out):
            assert marker not in text

    async with app.state.sessionmaker() as session:
        rows = (await session.scalars(select(Progress).where(Progress.user_id == learner.id))).all()
    by_problem = {p.problem_id: p for p in rows}
    assert by_problem[problem["id"]].status == "attempted"
    assert by_problem[problem["id"]].xp_awarded == 0
    progress = by_problem[solvable["id"]]
    assert progress.status == "solved"
    assert progress.attempts == 2
    assert progress.best_pass_rate == 1.0
    assert progress.xp_awarded == 15
    overview = (await client.get("/progress", headers=learner.headers)).json()
    assert overview["totalXp"] == 15


async def test_first_failing_test_gives_the_verdict_and_problem_limits_apply(
    client: httpx.AsyncClient, learner: Any, teacher: Any
) -> None:
    tests = [
        {"name": "quick", "input": "1", "expectedOutput": "1"},
        {"name": "slow", "input": "2", "expectedOutput": "2"},
        {"name": "wrong", "input": "3", "expectedOutput": "x"},
    ]
    created = await add_problem(
        client, teacher, "limits-problem", tests=tests, limits={"timeLimitS": 1}
    )
    code = "n = input()\nif n == '2':\n    while True:\n        pass\nprint(n)"
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": created["id"], "code": code},
        headers=learner.headers,
    )
    result = response.json()["submissionResult"]
    assert [t["verdict"] for t in result["tests"]] == [
        "ACCEPTED",
        "TIME_LIMIT_EXCEEDED",
        "WRONG_ANSWER",
    ]
    assert result["verdict"] == "TIME_LIMIT_EXCEEDED"
    assert result["passRate"] == round(1 / 3, 4)
    assert result["tests"][1]["timeMs"] < 3000


async def test_float_comparison_mode_from_the_problem(
    client: httpx.AsyncClient, learner: Any, teacher: Any
) -> None:
    tests = [{"name": "third", "input": "", "expectedOutput": "0.3333333"}]
    created = await add_problem(
        client,
        teacher,
        "float-problem",
        tests=tests,
        comparison={"mode": "float", "tolerance": 1e-6},
    )
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": created["id"], "code": "print(1/3)"},
        headers=learner.headers,
    )
    assert response.json()["submissionResult"]["verdict"] == "ACCEPTED"


async def test_events_stream_in_order_and_end_with_done(
    client: httpx.AsyncClient, learner: Any
) -> None:
    started = await client.post(
        "/execution/run",
        json={"code": "import time\ntime.sleep(0.5)\nprint('late')"},
        headers=learner.headers,
    )
    job_id = started.json()["jobId"]
    response = await client.get(f"/execution/{job_id}/events", headers=learner.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events: list[tuple[str, dict[str, Any]]] = []
    for block in response.text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":")
        )
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    names = [name for name, _ in events]
    statuses = [data["status"] for name, data in events if name == "status"]
    assert names[-1] == "done"
    assert names.count("done") == 1
    order = ["pending", "processing", "completed"]
    assert statuses == sorted(statuses, key=order.index)
    assert statuses[-1] == "completed"
    assert events[-1][1]["result"]["stdout"] == "late\n"


async def test_only_the_owner_or_an_admin_reads_a_job(
    client: httpx.AsyncClient, learner: Any, admin: Any
) -> None:
    other = await register(client, "other-kid")
    job = (
        await client.post(
            "/execution/run?wait=true", json={"code": "print(1)"}, headers=learner.headers
        )
    ).json()
    for path in (f"/execution/{job['jobId']}", f"/execution/{job['jobId']}/events"):
        denied = await client.get(path, headers=other.headers)
        assert denied.status_code == 404
        assert denied.json()["error"]["code"] == "NOT_FOUND"
    assert (
        await client.delete(f"/execution/{job['jobId']}", headers=other.headers)
    ).status_code == 404
    assert (
        await client.get(f"/execution/{job['jobId']}", headers=admin.headers)
    ).status_code == 200
    assert (await client.get(f"/execution/{job['jobId']}")).status_code == 401
    missing = await client.get(
        "/execution/00000000-0000-0000-0000-000000000000", headers=learner.headers
    )
    assert missing.status_code == 404


async def test_rules_refuse_at_submit_and_a_failed_hidden_test_shows_its_hint(
    client: httpx.AsyncClient, learner: Any, teacher: Any
) -> None:
    tests = [
        {"name": "one", "input": "1 2", "expectedOutput": "2"},
        {
            "name": "secret",
            "input": "5 3",
            "expectedOutput": "5",
            "hidden": True,
            "hint": "the biggest number comes first",
        },
    ]
    created = await add_problem(
        client,
        teacher,
        "rules-problem",
        tests=tests,
        rules={"forbiddenNames": ["max"], "requiredDefs": []},
    )
    full = await client.get(f"/problems/{created['id']}/full", headers=teacher.headers)
    assert full.json()["rules"] == {"forbiddenNames": ["max"], "requiredDefs": []}
    assert full.json()["tests"][1]["hint"] == "the biggest number comes first"

    cheat = "print(max(int(x) for x in input().split()))"
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": created["id"], "code": cheat},
        headers=learner.headers,
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "RULE_BROKEN"
    assert error["message"].startswith("This puzzle asks you to find the biggest number without")

    last = "print(input().split()[-1])"
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": created["id"], "code": last},
        headers=learner.headers,
    )
    result = response.json()["submissionResult"]
    visible, hidden = result["tests"]
    assert visible["passed"]
    assert not hidden["passed"]
    assert hidden["hint"] == "the biggest number comes first"
    assert "hint" not in visible
