"""A real submission through the worker records its celebrations in the result's transaction."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from coderunner.celebrations import service as celebrations
from coderunner.execution import worker
from tests.support.app import Account

from .conftest import SOLUTION, add_problem

pytestmark = pytest.mark.sandbox
TESTS = [
    {"name": "visible", "input": "abc", "expectedOutput": "cba"},
    {"name": "secret", "input": "QZX-9931", "expectedOutput": "1399-XZQ", "hidden": True},
]


async def submit(client: httpx.AsyncClient, learner: Account, code: str) -> dict[str, Any]:
    response = await client.post(
        "/execution/submit?wait=true",
        json={"problemId": "reverse-again", "code": code},
        headers=learner.headers,
    )
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    assert job["status"] == "completed"
    return job


async def test_a_graded_submission_records_the_solve_and_its_badges_once(
    client: httpx.AsyncClient, learner: Account, teacher: Account
) -> None:
    await add_problem(client, teacher, "reverse-again", tests=TESTS, xp=15)
    await submit(client, learner, "print(input())\n")  # a wrong answer: a first run
    events = (await client.get("/celebrations", headers=learner.headers)).json()["events"]
    assert [(e["kind"], e["key"]) for e in events] == [("badge", "first-run")]
    assert (await submit(client, learner, SOLUTION))["verdict"] == "ACCEPTED"
    events = (await client.get("/celebrations", headers=learner.headers)).json()["events"]
    assert sorted((e["kind"], e["key"]) for e in events) == [
        ("badge", "first-fix"),
        ("badge", "first-run"),
        ("badge", "first-solve"),
        ("badge", "level-complete"),  # the level's only puzzle
        ("solved", "reverse-again"),
    ]
    # solved again (other code: the same code would get the first result back): no second
    # solve; the third try earns "never give up", and only that is new
    await submit(client, learner, SOLUTION + "# again\n")
    events = (await client.get("/celebrations", headers=learner.headers)).json()["events"]
    assert len(events) == 6
    assert events[-1]["key"] == "never-give-up"
    solved = next(e for e in events if e["kind"] == "solved")
    assert (solved["title"], solved["number"]) == ("Reverse a word", 15)


async def test_what_the_learner_had_before_is_read_while_the_code_runs(
    client: httpx.AsyncClient, learner: Account, teacher: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Celebrations compare the learner's state before and after the result: the "before" is
    read while the sandbox runs, not after it (off the result's path)."""
    read = threading.Event()
    seen_while_running: list[bool] = []
    real_before, real_execute = celebrations.before_job, worker.execute

    async def before_job(*args: Any) -> Any:
        found = await real_before(*args)
        read.set()
        return found

    def execute(*args: Any) -> Any:
        seen_while_running.append(read.wait(5.0))
        return real_execute(*args)

    monkeypatch.setattr(celebrations, "before_job", before_job)
    monkeypatch.setattr(worker, "execute", execute)
    await add_problem(client, teacher, "reverse-again", tests=TESTS)
    assert (await submit(client, learner, SOLUTION))["verdict"] == "ACCEPTED"
    assert seen_while_running == [True]
    events = (await client.get("/celebrations", headers=learner.headers)).json()["events"]
    assert ("solved", "reverse-again") in [(e["kind"], e["key"]) for e in events]
