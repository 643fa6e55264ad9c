"""Content reads answer If-None-Match with 304, change their tag on an edit, never leak a locked
level through a tag; an identical resubmission reuses the earlier result without a new run."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from coderunner.execution.models import ExecutionJob
from tests.support.app import problem_payload, register

SOLUTION = "print(input()[::-1])\n"


async def _conditional(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> tuple[str, httpx.Response]:
    first = await client.get(url, headers=headers)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in first.headers["vary"]
    again = await client.get(url, headers={**headers, "If-None-Match": etag})
    return etag, again


async def test_problem_level_and_cheatsheet_reads_answer_304(
    client: httpx.AsyncClient, learner: Any, problem: dict[str, Any]
) -> None:
    for url in (
        f"/problems/{problem['id']}",
        "/problems?ageGroup=10-12",
        "/levels",
        "/levels/10-12",
        "/levels/10-12/1",
        "/cheatsheets",
    ):
        etag, again = await _conditional(client, url, learner.headers)
        assert again.status_code == 304, url
        assert again.content == b""
        assert again.headers["etag"] == etag
        other = await client.get(url, headers={**learner.headers, "If-None-Match": '"nope"'})
        assert other.status_code == 200
        weak = await client.get(url, headers={**learner.headers, "If-None-Match": f"W/{etag}"})
        assert weak.status_code == 304


async def test_an_edit_changes_the_tag(
    client: httpx.AsyncClient, learner: Any, teacher: Any, problem: dict[str, Any]
) -> None:
    url = f"/problems/{problem['id']}"
    etag, _ = await _conditional(client, url, learner.headers)
    edited = await client.patch(
        url, json={"statement": "Print it backwards, please."}, headers=teacher.headers
    )
    assert edited.status_code == 200, edited.text
    after = await client.get(url, headers={**learner.headers, "If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert "backwards, please" in after.json()["statement"]


async def test_a_locked_level_never_answers_304(
    client: httpx.AsyncClient, learner: Any, teacher: Any, problem: dict[str, Any]
) -> None:
    """A tag taken by a viewer who may read a level gets nothing for one who may not."""
    level2 = {"ageGroup": "10-12", "number": 2, "title": "Loops", "concepts": ["loops"]}
    assert (await client.post("/levels", json=level2, headers=teacher.headers)).status_code == 201
    payload = problem_payload("locked-one", levelNumber=2)
    assert (
        await client.post("/problems", json=payload, headers=teacher.headers)
    ).status_code == 201
    seen = await client.get("/levels/10-12/2", headers=teacher.headers)
    assert seen.status_code == 200
    tag = seen.headers["etag"]
    locked = await client.get("/levels/10-12/2", headers={**learner.headers, "If-None-Match": tag})
    assert locked.status_code == 403, locked.text
    assert "etag" not in locked.headers
    # the viewer's own lock states are part of the body, so of the tag
    mine = await client.get("/levels/10-12", headers=learner.headers)
    theirs = await client.get("/levels/10-12", headers=teacher.headers)
    assert mine.json() != theirs.json()
    assert mine.headers["etag"] != theirs.headers["etag"]


async def _runs(app: FastAPI) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(ExecutionJob)) or 0)


async def _finished(client: httpx.AsyncClient, job_id: str, headers: dict[str, str]) -> Any:
    deadline = time.monotonic() + 60
    while True:
        body = (await client.get(f"/execution/{job_id}", headers=headers)).json()
        if body["status"] in ("completed", "failed"):
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.1)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"execution_rate_limit": 0, "submission_rate_limit": 0, "job_heartbeat_s": 0.5}


@pytest.mark.sandbox
async def test_identical_resubmission_reuses_the_result(
    app: FastAPI,
    client: httpx.AsyncClient,
    learner: Any,
    teacher: Any,
    problem: dict[str, Any],
) -> None:
    body = {"problemId": problem["id"], "code": SOLUTION}
    first = await client.post("/execution/submit", json=body, headers=learner.headers)
    assert first.status_code == 202, first.text
    done = await _finished(client, first.json()["jobId"], learner.headers)
    assert done["status"] == "completed", done
    assert done["verdict"] in ("ACCEPTED", "WRONG_ANSWER", "HIDDEN_TEST_FAILED"), done
    assert await _runs(app) == 1

    again = await client.post("/execution/submit", json=body, headers=learner.headers)
    assert again.status_code == 200, again.text
    assert again.headers["x-result-reused"] == "true"
    assert again.json()["jobId"] == done["jobId"]
    assert again.json()["verdict"] == done["verdict"]
    assert again.json()["submissionResult"] == done["submissionResult"]
    assert await _runs(app) == 1  # no new job, no sandbox run

    # different code, another learner, or an edited problem: a new run each
    changed = {**body, "code": SOLUTION + "# tidy\n"}
    assert (
        await client.post("/execution/submit", json=changed, headers=learner.headers)
    ).status_code == 202
    other = await register(client, "other-kid", ageGroup="10-12")
    assert (
        await client.post("/execution/submit", json=body, headers=other.headers)
    ).status_code == 202
    assert await _runs(app) == 3
    edited = await client.patch(
        f"/problems/{problem['id']}", json={"statement": "Backwards!"}, headers=teacher.headers
    )
    assert edited.status_code == 200
    after_edit = await client.post("/execution/submit", json=body, headers=learner.headers)
    assert after_edit.status_code == 202, after_edit.text
    assert after_edit.json()["jobId"] != done["jobId"]
    assert await _runs(app) == 4


@pytest.mark.sandbox
@pytest.mark.parametrize("settings_overrides", [{"resubmit_window_s": 0}])
async def test_window_zero_always_runs(
    app: FastAPI, client: httpx.AsyncClient, learner: Any, problem: dict[str, Any]
) -> None:
    body = {"problemId": problem["id"], "code": SOLUTION}
    first = await client.post("/execution/submit", json=body, headers=learner.headers)
    await _finished(client, first.json()["jobId"], learner.headers)
    again = await client.post("/execution/submit", json=body, headers=learner.headers)
    assert again.status_code == 202
    assert again.json()["jobId"] != first.json()["jobId"]
