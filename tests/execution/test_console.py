"""The console through the API, embedded mode (SQLite and PostgreSQL, real sandbox): answers typed
while the program runs, Stop, the idle limit, a flood, ownership, admission."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.support.app import Account

from .conftest import wait_job
from .console_helpers import TWO_QUESTIONS, answer, follow, start_console

pytestmark = pytest.mark.sandbox

IDLE_S = 2.0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "execution_rate_limit": 0,
        "submission_rate_limit": 0,
        "job_heartbeat_s": 0.5,
        "job_stale_s": 3,
        "console_idle_s": IDLE_S,
        "max_user_pending_jobs": 2,
    }


async def test_a_child_answers_two_questions(client: httpx.AsyncClient, learner: Account) -> None:
    job_id = await start_console(client, learner.headers, TWO_QUESTIONS)
    await answer(client, learner.headers, job_id, "Ann")
    await answer(client, learner.headers, job_id, "9")
    console = await follow(client, learner.headers, job_id)
    assert console.limits == {"idleLimitS": IDLE_S, "sessionLimitS": 600.0}
    # the prompts are in the output where Python prints them; the answers are the child's
    assert console.text() == "Name? Hi Ann\nAge? 10\n"
    assert console.done is not None
    assert console.done["status"] == "completed"
    assert console.done["verdict"] == "OK"
    assert console.done["result"]["stdout"] == "Name? Hi Ann\nAge? 10\n"
    assert console.done["result"]["console"]["ended"] == "exited"
    # an EventSource that reconnects resumes after the last id it saw, never repeating
    first_id = console.output[0][0]
    again = await follow(client, learner.headers, job_id, after=first_id)
    assert again.text() == console.text()[len(console.output[0][2]) :]


async def test_a_console_nobody_answers_ends_at_the_idle_limit_it_states(
    client: httpx.AsyncClient, learner: Account
) -> None:
    job_id = await start_console(client, learner.headers, 'name = input("Name? ")\n')
    console = await follow(client, learner.headers, job_id)
    assert console.text() == "Name? "
    assert console.done is not None
    result = console.done["result"]
    assert result["console"]["ended"] == "idle"
    assert result["console"]["idleLimitS"] == IDLE_S
    assert f"waited {IDLE_S:g} seconds" in result["console"]["message"]
    assert console.done["verdict"] == "TIME_LIMIT_EXCEEDED"


async def test_stop_ends_a_program_that_reads_stdin_forever(
    client: httpx.AsyncClient, learner: Account
) -> None:
    code = "import sys\nprint('ready', flush=True)\nwhile True:\n    sys.stdin.read()\n"
    job_id = await start_console(client, learner.headers, code)
    for _ in range(600):
        job = (await client.get(f"/execution/{job_id}", headers=learner.headers)).json()
        if job["status"] == "processing":
            break
        await asyncio.sleep(0.05)
    stopped = await client.post(f"/execution/{job_id}/console/stop", headers=learner.headers)
    assert stopped.status_code == 202, stopped.text
    done = await wait_job(client, job_id, learner.headers, within_s=60)
    assert done["verdict"] == "STOPPED", done
    assert done["result"]["console"]["ended"] == "stopped"
    # answering a finished program is refused kindly
    late = await client.post(
        f"/execution/{job_id}/console/answer", json={"text": "hi"}, headers=learner.headers
    )
    assert late.status_code == 409
    assert "Press Run" in late.json()["error"]["message"]


async def test_a_flood_ends_at_the_output_limit_with_the_usual_explanation(
    client: httpx.AsyncClient, learner: Account
) -> None:
    job_id = await start_console(client, learner.headers, 'while True:\n    print("spam " * 20)\n')
    console = await follow(client, learner.headers, job_id)
    assert console.done is not None
    assert console.done["verdict"] == "OUTPUT_LIMIT_EXCEEDED"
    assert console.done["result"]["explanation"]
    # what reached the channel is bounded by the output limit (64 KiB)
    assert 0 < len(console.text().encode()) <= 64 * 1024


async def test_only_the_owner_attaches_answers_or_stops(
    client: httpx.AsyncClient, learner: Account, admin: Account
) -> None:
    job_id = await start_console(client, learner.headers, 'input("secret? ")\n')
    for intruder in (admin,):
        watch = await client.get(f"/execution/{job_id}/console", headers=intruder.headers)
        typed = await client.post(
            f"/execution/{job_id}/console/answer", json={"text": "x"}, headers=intruder.headers
        )
        stop = await client.post(f"/execution/{job_id}/console/stop", headers=intruder.headers)
        assert [watch.status_code, typed.status_code, stop.status_code] == [404, 404, 404]
    anonymous = await client.get(f"/execution/{job_id}/console")
    assert anonymous.status_code == 401
    # a plain run is no console
    run = await client.post("/execution/run", json={"code": "print(1)"}, headers=learner.headers)
    plain = await client.get(f"/execution/{run.json()['jobId']}/console", headers=learner.headers)
    assert plain.status_code == 404
    await client.post(f"/execution/{job_id}/console/stop", headers=learner.headers)
    await wait_job(client, job_id, learner.headers, within_s=60)


async def test_consoles_count_against_the_per_user_job_cap(
    client: httpx.AsyncClient, learner: Account
) -> None:
    first = await start_console(client, learner.headers, 'input("1? ")\n')
    second = await start_console(client, learner.headers, 'input("2? ")\n')
    third = await client.post(
        "/execution/run", json={"code": "input()", "console": True}, headers=learner.headers
    )
    assert third.status_code == 429, third.text
    for job_id in (first, second):
        await client.post(f"/execution/{job_id}/console/stop", headers=learner.headers)
    for job_id in (first, second):
        await wait_job(client, job_id, learner.headers, within_s=60)


async def test_an_answer_is_one_line_of_text(client: httpx.AsyncClient, learner: Account) -> None:
    job_id = await start_console(client, learner.headers, "print(repr(input()))\n")
    too_long = await client.post(
        f"/execution/{job_id}/console/answer", json={"text": "x" * 1001}, headers=learner.headers
    )
    assert too_long.status_code == 422
    nul = await client.post(
        f"/execution/{job_id}/console/answer", json={"text": "a\u0000b"}, headers=learner.headers
    )
    assert nul.status_code in (400, 422)
    await answer(client, learner.headers, job_id, "  spaced  ")
    console = await follow(client, learner.headers, job_id)
    assert console.text() == "'  spaced  '\n"
