"""Admission rules: sizes (413), validation (422), problems (404/409), caps (429/503), cancel."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from coderunner.execution.models import ExecutionJob
from coderunner.problems.models import Problem
from tests.support.app import METRICS_HEADERS, register

from .conftest import SOLUTION, add_problem, wait_job

SLEEP = "import time\ntime.sleep({s})\nprint('slept')"


@pytest.mark.parametrize(
    "settings_overrides",
    [{"max_code_bytes": 100, "max_stdin_bytes": 10, "execution_rate_limit": 0}],
)
async def test_sizes_languages_and_limits_are_checked(
    client: httpx.AsyncClient, learner: Any, app: FastAPI
) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"code": "#" * 101}, 413, "PAYLOAD_TOO_LARGE"),
        ({"code": "print(1)", "stdin": "x" * 11}, 413, "PAYLOAD_TOO_LARGE"),
        ({"code": "print(1)", "language": "cobol"}, 422, "UNKNOWN_LANGUAGE"),
        ({"code": "print(1)", "limits": {"timeLimitS": 999}}, 422, "VALIDATION_ERROR"),
        ({"code": "print(1)", "limits": {"memoryMb": -1}}, 422, "VALIDATION_ERROR"),
        ({"code": "print(1)", "role": "admin"}, 422, "VALIDATION_ERROR"),
        ({"stdin": "no code"}, 422, "VALIDATION_ERROR"),
        ({"code": 12}, 422, "VALIDATION_ERROR"),
        ({"code": "print(1)\x00"}, 422, "VALIDATION_ERROR"),
        ({"code": "print(1)", "stdin": "a\x00b"}, 422, "VALIDATION_ERROR"),
    ]
    for body, status, code in cases:
        response = await client.post("/execution/run", json=body, headers=learner.headers)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["code"] == code
    surrogate = await client.post(
        "/execution/run",
        content=b'{"code": "print(1) # \\ud800"}',
        headers={**learner.headers, "Content-Type": "application/json"},
    )
    assert surrogate.status_code == 422, surrogate.text
    garbage = await client.post(
        "/execution/run",
        content=b"{not json",
        headers={**learner.headers, "Content-Type": "application/json"},
    )
    assert garbage.status_code == 422
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ExecutionJob)) == 0


async def test_unknown_unpublished_and_empty_problems(
    client: httpx.AsyncClient, learner: Any, teacher: Any, app: FastAPI
) -> None:
    missing = await client.post(
        "/execution/submit", json={"problemId": "nope", "code": "x"}, headers=learner.headers
    )
    assert missing.status_code == 404
    draft = await add_problem(client, teacher, "draft-problem")
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Problem).where(Problem.id == draft["id"]).values(is_published=False)
        )
        await session.commit()
    hidden = await client.post(
        "/execution/submit", json={"problemId": draft["id"], "code": "x"}, headers=learner.headers
    )
    assert hidden.status_code == 404
    # its author may still try it
    staff = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": draft["id"], "code": SOLUTION},
        headers=teacher.headers,
    )
    assert staff.status_code == 200, staff.text
    empty = await add_problem(client, teacher, "empty-problem", tests=[])
    no_tests = await client.post(
        "/execution/submit", json={"problemId": empty["id"], "code": "x"}, headers=learner.headers
    )
    assert no_tests.status_code == 409


@pytest.mark.parametrize(
    "settings_overrides",
    [{"max_user_pending_jobs": 2, "execution_concurrency": 1, "execution_rate_limit": 0}],
)
async def test_per_user_cap_answers_429_with_retry_after(
    client: httpx.AsyncClient, learner: Any
) -> None:
    first = await client.post(
        "/execution/run", json={"code": SLEEP.format(s=1.5)}, headers=learner.headers
    )
    second = await client.post(
        "/execution/run", json={"code": SLEEP.format(s=0)}, headers=learner.headers
    )
    assert (first.status_code, second.status_code) == (202, 202)
    third = await client.post("/execution/run", json={"code": "print(3)"}, headers=learner.headers)
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "TOO_MANY_JOBS"
    assert int(third.headers["Retry-After"]) >= 1
    # another learner is not held back by this one
    other = await register(client, "second-kid")
    assert (
        await client.post("/execution/run", json={"code": "print(4)"}, headers=other.headers)
    ).status_code == 202
    # and once the jobs end, the learner may run again
    await wait_job(client, first.json()["jobId"], learner.headers)
    await wait_job(client, second.json()["jobId"], learner.headers)
    again = await client.post("/execution/run", json={"code": "print(5)"}, headers=learner.headers)
    assert again.status_code == 202
    metrics = (await client.get("/metrics", headers=METRICS_HEADERS)).text
    assert 'coderunner_execution_rejections_total{queue="code-execution",reason="user_cap"}' in (
        metrics
    )
    assert 'coderunner_http_rate_limited_total{route="/execution"}' in metrics


@pytest.mark.parametrize(
    "settings_overrides",
    [{"execution_concurrency": 1, "execution_rate_limit": 0, "max_user_pending_jobs": 5}],
)
async def test_cancel_a_pending_job_but_not_a_running_one(
    client: httpx.AsyncClient, learner: Any
) -> None:
    running = (
        await client.post(
            "/execution/run", json={"code": SLEEP.format(s=1)}, headers=learner.headers
        )
    ).json()
    queued = (
        await client.post("/execution/run", json={"code": "print(2)"}, headers=learner.headers)
    ).json()
    cancelled = await client.delete(f"/execution/{queued['jobId']}", headers=learner.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "failed"
    assert cancelled.json()["failureReason"] == "cancelled by the user"
    for _ in range(50):
        job = (await client.get(f"/execution/{running['jobId']}", headers=learner.headers)).json()
        if job["status"] == "processing":
            break
        await asyncio.sleep(0.05)
    late = await client.delete(f"/execution/{running['jobId']}", headers=learner.headers)
    assert late.status_code == 409
    assert (await wait_job(client, running["jobId"], learner.headers))["status"] == "completed"
    # the cancelled job never ran
    final = (await client.get(f"/execution/{queued['jobId']}", headers=learner.headers)).json()
    assert final["attempts"] == 0
    assert final["result"] is None


async def test_health_and_metrics_describe_the_pipeline(
    client: httpx.AsyncClient, learner: Any
) -> None:
    await client.post(
        "/execution/run?wait=true", json={"code": "print(1)"}, headers=learner.headers
    )
    health = (await client.get("/health")).json()
    assert health["checks"]["sandbox"]["status"] == "ok"
    queues = health["checks"]["queues"]
    assert queues["workers"] == "embedded"
    assert set(queues["queues"]) == {"code-execution", "code-submission", "code-console"}
    metrics = (await client.get("/metrics", headers=METRICS_HEADERS)).text
    for name in (
        'coderunner_queue_depth{queue="code-execution",status="pending"}',
        'coderunner_jobs_total{queue="code-execution",status="completed"}',
        'coderunner_job_verdicts_total{queue="code-execution",verdict="OK"}',
        "coderunner_job_queue_wait_seconds_bucket",
        "coderunner_job_run_seconds_bucket",
    ):
        assert name in metrics, name


async def test_output_with_nul_and_odd_bytes_is_kept(
    client: httpx.AsyncClient, learner: Any
) -> None:
    code = "import sys\nprint('a\\0b')\nsys.stdout.buffer.write(b'\\xff\\xfe\\n')"
    response = await client.post(
        "/execution/run?wait=true", json={"code": code}, headers=learner.headers
    )
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] == "completed"
    # the sandbox turns bytes that aren't printable UTF-8 into escapes; the row keeps them
    assert "a\\x00b\n" in job["result"]["stdout"]
    again = await client.get(f"/execution/{job['jobId']}", headers=learner.headers)
    assert again.json()["result"] == job["result"]


@pytest.mark.parametrize("settings_overrides", [{"embedded_workers": False}])
async def test_without_any_worker_jobs_are_refused_not_stranded(
    client: httpx.AsyncClient, learner: Any, app: FastAPI
) -> None:
    response = await client.post("/execution/run", json={"code": "x"}, headers=learner.headers)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "NO_WORKERS"
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ExecutionJob)) == 0


async def test_an_admitted_job_is_inserted_without_the_orms_flush(
    client: httpx.AsyncClient, learner: Any, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's INSERT is one Core statement (the ORM's flush of one new object cost more CPU
    than the statement), and its row is the one the flush wrote: unset JSON columns NULL, not
    JSON null."""
    flushed: list[object] = []
    real_flush = Session.flush

    def flush(self: Session, objects: Any = None) -> None:
        flushed.extend(job for job in self.new if isinstance(job, ExecutionJob))
        real_flush(self, objects)

    monkeypatch.setattr(Session, "flush", flush)
    body = {"code": "print(1)", "stdin": "in"}
    response = await client.post("/execution/run", json=body, headers=learner.headers)
    assert response.status_code == 202, response.text
    job_id = response.json()["jobId"]
    assert flushed == []
    await wait_job(client, job_id, learner.headers)
    table = ExecutionJob.__table__
    async with app.state.sessionmaker() as session:
        row = (
            await session.execute(
                select(
                    table.c.user_id,
                    table.c.queue,
                    table.c.stdin,
                    table.c.limits,
                    table.c.draft.is_(None),
                    table.c.created_at.is_not(None),
                ).where(table.c.id == job_id)
            )
        ).one()
    assert tuple(row[:3]) == (learner.id, "code-execution", "in")
    assert isinstance(row[3], dict)
    assert tuple(row[4:]) == (True, True)
