"""Step mode scaled out: the API queues a trace on Redis, a `coderunner worker` process runs it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from tests.support.app import register

from .conftest import wait_job
from .test_scaled import Stack, Worker, api, stack, workers  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.sandbox]


@pytest.mark.timeout(300)
async def test_a_worker_on_redis_traces_the_program(
    stack: Stack,  # noqa: F811
    workers: list[Worker],  # noqa: F811
    api: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
) -> None:
    _app, client = api
    workers.append(Worker(stack, "tracer"))
    await asyncio.to_thread(workers[0].wait_started)
    learner = await register(client, "scaled-stepper")
    posted = await client.post(
        "/execution/trace",
        json={"code": "name = input()\nfor i in range(2):\n    print(name, i)\n", "stdin": "Bo"},
        headers=learner.headers,
    )
    assert posted.status_code == 202, posted.text
    job = await wait_job(client, posted.json()["jobId"], learner.headers, within_s=60)
    assert (job["status"], job["type"]) == ("completed", "trace")
    assert job["result"]["stdout"] == "Bo 0\nBo 1\n"
    trace = job["result"]["trace"]
    assert trace["end"] == "finished"
    assert [s["globals"].get("i") for s in trace["steps"]][-1] == "1"
    assert "".join(s.get("output", "") for s in trace["steps"]) == "Bo 0\nBo 1\n"
