"""POST /execution/trace (step mode) over HTTP: embedded workers, real sandbox, SQLite + PG."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from coderunner.execution.stepping import RESULT_MAX_BYTES
from tests.support.app import register

from .conftest import wait_job

LOOP = "total = 0\nfor i in range(3):\n    total = total + i\nprint(total)\n"


async def _trace(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> Any:
    response = await client.post("/execution/trace?wait=true", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_trace_is_a_job_whose_result_holds_the_steps(
    client: httpx.AsyncClient, learner: Any
) -> None:
    job = await _trace(client, learner.headers, code=LOOP)
    assert (job["type"], job["queue"], job["status"]) == ("trace", "code-execution", "completed")
    assert job["verdict"] == "OK"
    result = job["result"]
    assert result["stdout"] == "3\n"
    trace = result["trace"]
    assert trace["end"] == "finished"
    assert trace["maxSteps"] == 1000
    assert trace["message"] == f"Your program finished after {len(trace['steps'])} steps."
    totals = [s["globals"].get("total") for s in trace["steps"]]
    assert totals[-1] == "3"
    assert "1" in totals
    assert trace["steps"][0] == {"line": 1, "event": "line", "frames": [], "globals": {}}
    # the job reads back the same from the row
    again = await wait_job(client, job["jobId"], learner.headers)
    assert again["result"]["trace"] == trace


async def test_input_and_an_error_with_its_explanation(
    client: httpx.AsyncClient, learner: Any
) -> None:
    code = "word = input()\nnumber = int(word)\nprint(number)\n"
    job = await _trace(client, learner.headers, code=code, stdin="seven\n")
    assert job["verdict"] == "RUNTIME_ERROR"
    trace = job["result"]["trace"]
    assert trace["end"] == "error"
    assert trace["error"] == {
        "text": "ValueError: invalid literal for int() with base 10: 'seven'",
        "line": 2,
    }
    assert trace["steps"][-1]["event"] == "exception"
    assert trace["steps"][-1]["globals"] == {"word": "'seven'"}
    assert job["result"]["explanation"]["line"] == 2
    assert "line 2" in trace["message"]


async def test_code_python_cannot_read_has_no_steps(
    client: httpx.AsyncClient, learner: Any
) -> None:
    job = await _trace(client, learner.headers, code="x = 1\nprint(x\n")
    trace = job["result"]["trace"]
    assert (trace["end"], trace["steps"]) == ("error", [])
    assert trace["message"] == "Python could not start your program: look at line 2."
    assert job["result"]["explanation"]


async def test_the_step_limit_is_said_in_words(client: httpx.AsyncClient, learner: Any) -> None:
    job = await _trace(client, learner.headers, code="while True:\n    pass\n")
    trace = job["result"]["trace"]
    assert trace["end"] == "steps"
    assert len(trace["steps"]) == 1000
    assert trace["message"].startswith("Your program took more than 1000 steps")
    assert len(json.dumps(trace)) < RESULT_MAX_BYTES


async def test_only_python_and_the_sizes_of_a_run(client: httpx.AsyncClient, learner: Any) -> None:
    other = await client.post(
        "/execution/trace", json={"code": "1", "language": "javascript"}, headers=learner.headers
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "STEP_PYTHON_ONLY"
    huge = await client.post(
        "/execution/trace", json={"code": "x" * 200_000}, headers=learner.headers
    )
    assert huge.status_code == 413
    anonymous = await client.post("/execution/trace", json={"code": "1"})
    assert anonymous.status_code == 401


async def test_another_learner_cannot_read_a_trace(client: httpx.AsyncClient, learner: Any) -> None:
    job = await _trace(client, learner.headers, code="secret = 42\n")
    other = await register(client, "nosy-kid")
    response = await client.get(f"/execution/{job['jobId']}", headers=other.headers)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "settings_overrides",
    [{"max_user_pending_jobs": 1, "execution_concurrency": 1, "execution_rate_limit": 0}],
)
async def test_traces_and_runs_share_the_per_user_cap(
    client: httpx.AsyncClient, learner: Any
) -> None:
    first = await client.post(
        "/execution/run",
        json={"code": "import time\ntime.sleep(1.5)"},
        headers=learner.headers,
    )
    assert first.status_code == 202
    second = await client.post("/execution/trace", json={"code": "x = 1"}, headers=learner.headers)
    assert second.status_code == 429
    assert second.json()["error"]["code"] == "TOO_MANY_JOBS"
    await wait_job(client, first.json()["jobId"], learner.headers)
    third = await client.post("/execution/trace", json={"code": "x = 1"}, headers=learner.headers)
    assert third.status_code == 202
    await wait_job(client, third.json()["jobId"], learner.headers)
