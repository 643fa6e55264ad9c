"""The console scaled out: the API in this process (no workers of its own), a real `coderunner
worker` process, PostgreSQL, and the console's channel on the shared Redis."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from redis import Redis

from tests.support.app import register

from .conftest import wait_job
from .console_helpers import TWO_QUESTIONS, answer, follow, start_console
from .test_scaled import Stack, Worker, api, stack, workers  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.sandbox]


@pytest.mark.timeout(300)
async def test_a_console_relays_through_redis_to_a_worker_elsewhere(
    stack: Stack,  # noqa: F811
    workers: list[Worker],  # noqa: F811
    api: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CODERUNNER_CONSOLE_IDLE_S", "2")
    _app, client = api
    workers.append(Worker(stack, "console-worker"))
    await asyncio.to_thread(workers[0].wait_started)
    kid = await register(client, "console-kid")
    other = await register(client, "console-other")

    # two answers typed, relayed down Redis; the output comes back up it as printed
    job_id = await start_console(client, kid.headers, TWO_QUESTIONS)
    await answer(client, kid.headers, job_id, "Ann")
    await answer(client, kid.headers, job_id, "9")
    console = await follow(client, kid.headers, job_id)
    assert console.text() == "Name? Hi Ann\nAge? 10\n"
    assert console.done is not None
    assert console.done["verdict"] == "OK"
    redis = Redis.from_url(stack.redis_url)
    try:
        out_key = f"{stack.prefix}:console:{job_id}:out"
        assert redis.exists(out_key) == 1
        assert 0 < redis.ttl(out_key) <= 120  # kept a little for a late reader, then gone
    finally:
        redis.close()

    # nobody else attaches to it
    assert (
        await client.get(f"/execution/{job_id}/console", headers=other.headers)
    ).status_code == 404

    # Stop travels down the channel to the worker. The program stays busy (a dot every 0.2 s),
    # so the 2 s idle limit can never end it first on a loaded machine: only Stop ends it
    code = "import time\nwhile True:\n    print('.', flush=True)\n    time.sleep(0.2)\n"
    job_id = await start_console(client, kid.headers, code)
    for _ in range(600):
        if (await client.get(f"/execution/{job_id}", headers=kid.headers)).json()[
            "status"
        ] == "processing":
            break
        await asyncio.sleep(0.05)
    await client.post(f"/execution/{job_id}/console/stop", headers=kid.headers)
    done = await wait_job(client, job_id, kid.headers, within_s=60)
    assert done["verdict"] == "STOPPED", done

    # nobody answers: the worker's idle limit (2 s here) ends it and says so
    job_id = await start_console(client, kid.headers, 'input("? ")\n')
    console = await follow(client, kid.headers, job_id)
    assert console.done is not None
    assert console.done["result"]["console"]["ended"] == "idle"
    assert "waited 2 seconds" in console.done["result"]["console"]["message"]


@pytest.mark.timeout(300)
async def test_a_console_waiting_for_answers_leaves_the_worker_free_for_runs(
    stack: Stack,  # noqa: F811
    workers: list[Worker],  # noqa: F811
    api: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
) -> None:
    _app, client = api
    # one code-execution worker: a console that held it would leave Run none
    workers.append(Worker(stack, "console-slots-worker"))
    await asyncio.to_thread(workers[0].wait_started)
    kid = await register(client, "console-slots-kid")
    waiting = await start_console(client, kid.headers, 'name = input("Name? ")\n')
    for _ in range(1200):
        job = (await client.get(f"/execution/{waiting}", headers=kid.headers)).json()
        if job["status"] == "processing":
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "processing", job
    assert job["queue"] == "code-console"

    run = await client.post("/execution/run", json={"code": "print(6 * 7)\n"}, headers=kid.headers)
    assert run.status_code == 202, run.text
    done = await wait_job(client, run.json()["jobId"], kid.headers, within_s=60)
    assert done["verdict"] == "OK", done
    assert done["result"]["stdout"] == "42\n"
    # and the console still waits for its answer meanwhile
    assert (await client.get(f"/execution/{waiting}", headers=kid.headers)).json()[
        "status"
    ] == "processing"
    await answer(client, kid.headers, waiting, "Ann")
    assert (await wait_job(client, waiting, kid.headers, within_s=60))["verdict"] == "OK"
