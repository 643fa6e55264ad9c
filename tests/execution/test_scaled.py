"""Scaled-out mode: real `coderunner worker` processes, PostgreSQL and Redis.

A worker killed with SIGKILL mid-job loses nothing (the job completes on another worker); a
worker stopped with SIGTERM finishes its job and leaves queued ones pending; a Redis restart
with jobs queued loses nothing either. The Redis-restart test runs its own redis-server on a
free port, so the shared one (and tests running beside these) are never disturbed.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis import Redis

from coderunner.execution.models import ExecutionJob
from tests.support.app import (
    TEST_SECRET,
    make_settings,
    register,
    running_app,
    sessions,
)
from tests.support.env import REDIS_URL, delete_redis_keys
from tests.support.ports import free_port
from tests.support.redis_server import shut_down, start_redis, stop_redis
from tests.support.serve import CODERUNNER
from tests.support.uids import Purpose, sandbox_env

from .conftest import wait_job

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.sandbox]

# a worker that misses this long of heartbeats (every 0.5 s) is dead: generous, so a worker that
# a loaded machine starves for a few seconds is not taken for dead
STALE_S = 10
SLEEPER = "import time\ntime.sleep({s})\nprint('done')"


@dataclass
class Stack:
    database_url: str
    redis_url: str
    prefix: str
    tmp: Path

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CODERUNNER_REDIS_PREFIX": self.prefix,
            "JWT_SECRET": TEST_SECRET,
            "CODERUNNER_ENV": "test",
            "CODERUNNER_DATA_DIR": str(self.tmp / "data"),
            "CODERUNNER_JOB_STALE_S": str(STALE_S),
            "CODERUNNER_JOB_HEARTBEAT_S": "0.5",
            "EXECUTION_RATE_LIMIT": "0",
            "SUBMISSION_RATE_LIMIT": "0",
            "LOG_LEVEL": "info",
            "PYTHONUNBUFFERED": "1",
        }


class Worker:
    def __init__(self, stack: Stack, name: str, part: int = 0) -> None:
        """`part`: which third of this test's sandbox uids it runs programs as (workers that run
        at the same time need different ones)."""
        self.log = stack.tmp / f"{name}.log"
        self.handle = self.log.open("wb")
        self.process = subprocess.Popen(
            [CODERUNNER, "worker", "--concurrency-execution", "1", "--concurrency-submission", "1"],
            env={**stack.env(), **sandbox_env(Purpose.OTHER_SERVER, part=part, parts=3)},
            stdout=self.handle,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_started(self, within_s: float = 180) -> None:
        deadline = time.monotonic() + within_s
        while b"worker_started" not in self.log.read_bytes():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.handle.close()


@pytest.fixture
def stack(postgres_url: str, tmp_path: Path) -> Iterator[Stack]:
    prefix = f"crtest-{secrets.token_hex(4)}"
    yield Stack(postgres_url, REDIS_URL, prefix, tmp_path)
    delete_redis_keys(prefix)


@pytest.fixture
def workers(stack: Stack) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The API alone (no embedded workers): it only queues jobs on Redis."""
    settings = make_settings(
        stack.database_url,
        stack.tmp / "api-data",
        redis_url=stack.redis_url,
        redis_prefix=stack.prefix,
        embedded_workers=False,
        job_stale_s=STALE_S,
        job_heartbeat_s=0.5,
    )
    async with running_app(settings, client=("10.9.8.7", 1234)) as (app, c):
        yield app, c


async def _row(app: FastAPI, job_id: str) -> ExecutionJob:
    async with sessions(app)() as session:
        job = await session.get(ExecutionJob, job_id)
        assert job is not None
        return job


async def _wait_status(app: FastAPI, job_id: str, status: str, within_s: float) -> ExecutionJob:
    deadline = time.monotonic() + within_s
    while True:
        job = await _row(app, job_id)
        if job.status == status:
            return job
        assert time.monotonic() < deadline, f"job {job_id} is {job.status}, not {status}"
        await asyncio.sleep(0.05)


@pytest.mark.timeout(420)
async def test_kill_9_of_a_worker_mid_job_then_sigterm_drains(
    stack: Stack, workers: list[Worker], api: tuple[FastAPI, httpx.AsyncClient]
) -> None:
    app, client = api
    workers.extend([Worker(stack, "w1", part=0), Worker(stack, "w2", part=1)])
    for worker in workers:
        await asyncio.to_thread(worker.wait_started)
    learner = await register(client, "scaled-kid")
    posted = await client.post(
        "/execution/run", json={"code": SLEEPER.format(s=4)}, headers=learner.headers
    )
    assert posted.status_code == 202
    job_id = posted.json()["jobId"]
    running = await _wait_status(app, job_id, "processing", within_s=120)
    assert running.worker_id is not None
    victim_pid = int(running.worker_id.split(":")[1])
    victim = next(w for w in workers if w.pid == victim_pid)
    survivor = next(w for w in workers if w is not victim)
    os.kill(victim_pid, signal.SIGKILL)
    victim.process.wait(60)

    job = await wait_job(client, job_id, learner.headers, within_s=120)
    assert job["status"] == "completed", job
    assert job["attempts"] == 2
    assert job["result"]["stdout"] == "done\n"
    finished_by = (await _row(app, job_id)).worker_id
    assert finished_by is not None
    assert finished_by.split(":")[1] == str(survivor.pid)

    # SIGTERM: the running job finishes, the queued one stays pending for someone else
    first = (
        await client.post(
            "/execution/run", json={"code": SLEEPER.format(s=2)}, headers=learner.headers
        )
    ).json()["jobId"]
    await _wait_status(app, first, "processing", within_s=120)
    second = (
        await client.post("/execution/run", json={"code": "print(2)"}, headers=learner.headers)
    ).json()["jobId"]
    survivor.process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(survivor.process.wait, 120) == 0
    done = await wait_job(client, first, learner.headers, within_s=60)
    assert done["status"] == "completed"
    assert done["attempts"] == 1
    assert (await _row(app, second)).status == "pending"
    # a new worker picks up what was left
    workers.append(Worker(stack, "w3", part=2))
    await asyncio.to_thread(workers[-1].wait_started)
    late = await wait_job(client, second, learner.headers, within_s=120)
    assert late["result"]["stdout"] == "2\n"


def _redis_argv(port: int, tmp: Path) -> list[str]:
    return [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp),
    ]


def _run_id(port: int) -> str:
    with Redis(port=port) as probe:
        return str(probe.info("server")["run_id"])


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[int]:
    """A redis-server of this test's own on a free port; whatever runs there is shut at the end."""
    port = free_port()
    first = start_redis(port, tmp_path)
    try:
        yield port
    finally:
        stop_redis(port, first)


@pytest.mark.timeout(420)
async def test_redis_restart_with_jobs_queued_loses_nothing(
    postgres_url: str, tmp_path: Path, private_redis: int
) -> None:
    port = private_redis
    url = f"redis://127.0.0.1:{port}/0"
    stack = Stack(postgres_url, url, f"crtest-{secrets.token_hex(4)}", tmp_path)
    worker = Worker(stack, "restart-worker")
    restarted: subprocess.Popen[bytes] | None = None
    try:
        await asyncio.to_thread(worker.wait_started)
        settings = make_settings(
            stack.database_url,
            tmp_path / "api-data",
            redis_url=url,
            redis_prefix=stack.prefix,
            embedded_workers=False,
            job_stale_s=STALE_S,
            job_heartbeat_s=0.5,
        )
        async with running_app(settings, client=("10.9.8.6", 1234)) as (_app, client):
            learner = await register(client, "restart-kid")
            ids = []
            for i in range(4):
                posted = await client.post(
                    "/execution/run",
                    json={"code": f"import time\ntime.sleep(1)\nprint({i})"},
                    headers=learner.headers,
                )
                assert posted.status_code == 202, posted.text
                ids.append(posted.json()["jobId"])
            # one job runs, three wait in the stream: now Redis forgets everything
            before = _run_id(port)
            await asyncio.to_thread(shut_down, port)
            restarted = await asyncio.to_thread(start_redis, port, tmp_path)
            assert _run_id(port) != before
            for i, job_id in enumerate(ids):
                job = await wait_job(client, job_id, learner.headers, within_s=120)
                assert job["status"] == "completed", job
                assert job["result"]["stdout"] == f"{i}\n"
        # the worker did see the outage (and recovered from it)
        assert b"queue_listen_failed" in worker.log.read_bytes()
    finally:
        worker.stop()
        if restarted is not None and restarted.poll() is None:
            restarted.kill()
            restarted.wait(10)


@pytest.mark.timeout(300)
async def test_embedded_workers_consume_redis_streams(stack: Stack) -> None:
    """`coderunner serve` with REDIS_URL: the API process itself consumes the Redis streams."""
    settings = make_settings(
        stack.database_url,
        stack.tmp / "data",
        redis_url=stack.redis_url,
        redis_prefix=stack.prefix,
        embedded_workers=True,
        execution_rate_limit=0,
    )
    async with running_app(settings, client=("10.9.8.5", 1234)) as (_app, client):
        learner = await register(client, "redis-embedded-kid")
        response = await client.post(
            "/execution/run?wait=true",
            json={"code": "print('via redis')"},
            headers=learner.headers,
        )
        assert response.status_code == 200, response.text
        assert response.json()["result"]["stdout"] == "via redis\n"
        events = await client.get(
            f"/execution/{response.json()['jobId']}/events", headers=learner.headers
        )
        assert "event: done" in events.text
        health = (await client.get("/health")).json()["checks"]["queues"]
        assert health["transport"] == "redis"
