"""No clock a learner can read depends on how long the hidden tests ran.

A program that sleeps or spins as a function of its input turns a hidden input into time. The
job's startedAt/finishedAt (finishedAt - startedAt is the whole batch, hidden tests included) and
the progress timestamps written when the result is (firstSolvedAt, updatedAt) would carry it to
the learner; so would the `done` event and the answer of ?wait=true, which are the same job.
A learner sees when a submission was sent (createdAt), never when it ran; staff see it all.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from .conftest import add_problem

# Passes every test; on the hidden input it first sleeps in proportion to the input's value.
_SLEEPER = """
import time
word = input()
if word.isdigit():
    time.sleep(int(word) / 10)
print(word[::-1])
"""

_TESTS = [
    {"name": "visible", "input": "abc", "expectedOutput": "cba"},
    {"name": "hidden", "input": "15", "expectedOutput": "51", "hidden": True},
]


async def _submit(client: httpx.AsyncClient, who: Any, problem_id: str) -> dict[str, Any]:
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": problem_id, "code": _SLEEPER},
        headers=who.headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "completed", body
    return body


def _done_event(stream: str) -> dict[str, Any]:
    lines = stream.replace("\r\n", "\n").split("\n")
    for n, line in enumerate(lines):
        if line == "event: done":
            data: dict[str, Any] = json.loads(lines[n + 1].removeprefix("data: "))
            return data
    raise AssertionError(f"no done event in {stream!r}")


async def test_a_learner_sees_no_run_times_of_a_submission_with_hidden_tests(
    client: httpx.AsyncClient, learner: Any, teacher: Any, admin: Any
) -> None:
    problem = await add_problem(client, teacher, "sleepy-hidden", tests=_TESTS)
    answered = await _submit(client, learner, problem["id"])
    assert answered["verdict"] == "ACCEPTED", answered
    job_id = answered["jobId"]
    got = (await client.get(f"/execution/{job_id}", headers=learner.headers)).json()
    events = await client.get(f"/execution/{job_id}/events", headers=learner.headers)
    for view in (answered, got, _done_event(events.text)):
        assert view.get("startedAt") is None, view
        assert view.get("finishedAt") is None, view
        assert view["createdAt"]  # when the learner sent it: theirs to know
    staff = (await client.get(f"/execution/{job_id}", headers=admin.headers)).json()
    assert staff["startedAt"], staff
    assert staff["finishedAt"], staff


async def test_a_run_keeps_its_times(client: httpx.AsyncClient, learner: Any) -> None:
    """A run's only input is the learner's own: its times are theirs to see."""
    response = await client.post(
        "/execution/run?wait=true", json={"code": "print(1)"}, headers=learner.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["startedAt"], body
    assert body["finishedAt"], body


async def test_progress_times_are_the_submissions_not_the_gradings(
    client: httpx.AsyncClient, learner: Any, teacher: Any
) -> None:
    problem = await add_problem(client, teacher, "sleepy-progress", tests=_TESTS)
    answered = await _submit(client, learner, problem["id"])
    assert answered["verdict"] == "ACCEPTED", answered
    response = await client.get("/progress", headers=learner.headers)
    assert response.status_code == 200, response.text
    [entry] = [p for p in response.json()["problems"] if p["problemId"] == problem["id"]]
    # the hidden test slept 1.5 s after the job was created: none of it shows
    assert entry["firstSolvedAt"] == answered["createdAt"], (entry, answered)
    assert entry["updatedAt"] == answered["createdAt"], (entry, answered)
