"""Consoles have their own workers (queue `code-console`), embedded mode (SQLite and PostgreSQL,
real sandbox): a class with consoles open waiting for answers never starves Run and Submit."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.support.app import Account, register

from .conftest import SOLUTION, add_problem, wait_job
from .console_helpers import start_console

pytestmark = pytest.mark.sandbox


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "execution_rate_limit": 0,
        "submission_rate_limit": 0,
        "job_heartbeat_s": 0.5,
        "job_stale_s": 3,
        # one worker each: a console that held a Run worker would leave none
        "execution_concurrency": 1,
        "submission_concurrency": 1,
        "console_concurrency": 1,
        "console_idle_s": 120,
    }


async def wait_status(
    client: httpx.AsyncClient, job_id: str, headers: dict[str, str], status: str
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        body: dict[str, Any] = (await client.get(f"/execution/{job_id}", headers=headers)).json()
        if body["status"] == status:
            return body
        assert time.monotonic() < deadline, f"job {job_id} still {body['status']}"
        await asyncio.sleep(0.1)


async def test_open_consoles_leave_run_and_submit_their_workers(
    client: httpx.AsyncClient, learner: Account, teacher: Account
) -> None:
    other = await register(client, "console-neighbour")
    # a child's console waits for an answer: it holds the only console worker
    waiting = await start_console(client, learner.headers, 'name = input("Name? ")\n')
    held = await wait_status(client, waiting, learner.headers, "processing")
    assert held["queue"] == "code-console"
    # a second child's console waits for a console worker, not for Run's
    queued = await start_console(client, other.headers, 'age = input("Age? ")\n')

    run = await client.post(
        "/execution/run", json={"code": "print(6 * 7)\n"}, headers=other.headers
    )
    assert run.status_code == 202, run.text
    assert run.json()["queue"] == "code-execution"
    done = await wait_job(client, run.json()["jobId"], other.headers, within_s=60)
    assert done["verdict"] == "OK", done
    assert done["result"]["stdout"] == "42\n"

    tests = [{"name": "one", "input": "abc", "expectedOutput": "cba"}]
    problem = await add_problem(client, teacher, "reverse-beside-consoles", tests=tests)
    submitted = await client.post(
        "/execution/submit",
        json={"problemId": problem["id"], "code": SOLUTION},
        headers=other.headers,
    )
    assert submitted.status_code == 202, submitted.text
    graded = await wait_job(client, submitted.json()["jobId"], other.headers, within_s=60)
    assert graded["verdict"] == "ACCEPTED", graded

    # the consoles' own budget is spent: the second one still waits its turn
    assert (await client.get(f"/execution/{queued}", headers=other.headers)).json()[
        "status"
    ] == "pending"
    stopped = await client.post(f"/execution/{waiting}/console/stop", headers=learner.headers)
    assert stopped.status_code == 202, stopped.text
    assert (await wait_job(client, waiting, learner.headers, within_s=60))["verdict"] == "STOPPED"
    # its worker free again, the waiting console starts
    await wait_status(client, queued, other.headers, "processing")
    await client.post(f"/execution/{queued}/console/stop", headers=other.headers)
    assert (await wait_job(client, queued, other.headers, within_s=60))["verdict"] == "STOPPED"
