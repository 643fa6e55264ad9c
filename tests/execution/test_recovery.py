"""The sweeper and the rate limits, against the real embedded pipeline."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coderunner.db.base import new_id, utcnow
from coderunner.execution.models import ExecutionJob

from .conftest import pipeline_of, wait_job


async def _orphan(app: FastAPI, user_id: str, attempts: int, code: str) -> str:
    """A job a dead worker left 'processing' 60 s ago."""
    long_ago = utcnow() - timedelta(seconds=60)
    job = ExecutionJob(
        id=new_id(),
        type="run",
        queue="code-execution",
        user_id=user_id,
        language="python",
        code=code,
        stdin="",
        limits={},
        status="processing",
        attempts=attempts,
        worker_id="dead-host:1:deadbeef",
        heartbeat_at=long_ago,
        created_at=long_ago,
        enqueued_at=long_ago,
        started_at=long_ago,
    )
    async with app.state.sessionmaker() as session:
        session.add(job)
        await session.commit()
    return job.id


@pytest.mark.parametrize(
    "settings_overrides",
    [{"job_heartbeat_s": 0.5, "job_stale_s": 2, "job_max_attempts": 3, "execution_rate_limit": 0}],
)
async def test_sweeper_requeues_a_stale_job_then_gives_up_after_max_attempts(
    client: httpx.AsyncClient, learner: Any, app: FastAPI
) -> None:
    revived = await _orphan(app, learner.id, attempts=1, code="print('second life')")
    exhausted = await _orphan(app, learner.id, attempts=3, code="print('never')")
    job = await wait_job(client, revived, learner.headers, within_s=120)
    assert job["status"] == "completed"
    assert job["attempts"] == 2
    assert job["result"]["stdout"] == "second life\n"
    gone = await wait_job(client, exhausted, learner.headers, within_s=120)
    assert gone["status"] == "failed"
    assert gone["attempts"] == 3
    assert "stopped responding" in gone["failureReason"]
    assert gone["result"] is None


@pytest.mark.parametrize(
    "settings_overrides",
    # 16 heartbeats in a staleness: a loaded machine that delays a few does not lose the claim
    [{"job_heartbeat_s": 0.3, "job_stale_s": 5, "execution_rate_limit": 0}],
)
async def test_a_long_job_keeps_its_claim_with_heartbeats(
    client: httpx.AsyncClient, learner: Any
) -> None:
    # runs for longer than the staleness: only the heartbeat keeps the sweeper away
    response = await client.post(
        "/execution/run?wait=true",
        json={"code": "import time\ntime.sleep(7)\nprint('kept')"},
        headers=learner.headers,
    )
    job = response.json()
    assert job["status"] == "completed"
    assert job["attempts"] == 1
    assert job["result"]["stdout"] == "kept\n"


@pytest.mark.parametrize(
    "settings_overrides",
    [{"execution_rate_limit": 1, "execution_concurrency": 5, "max_user_pending_jobs": 10}],
)
async def test_queue_rate_limit_throttles_jobs(
    client: httpx.AsyncClient, learner: Any, app: FastAPI
) -> None:
    count = 4
    started = time.monotonic()
    responses = await asyncio.gather(
        *(
            client.post("/execution/run", json={"code": f"print({i})"}, headers=learner.headers)
            for i in range(count)
        )
    )
    jobs = [await wait_job(client, r.json()["jobId"], learner.headers) for r in responses]
    elapsed = time.monotonic() - started
    # 1 job/s: 4 jobs need at least 3 s, though 5 could run at once
    assert elapsed >= count - 1 - 0.1
    starts = sorted(datetime.fromisoformat(j["startedAt"]) for j in jobs)
    assert (starts[-1] - starts[0]).total_seconds() >= count - 1 - 0.05
    assert pipeline_of(app).processor.throttle.items["code-execution"] is not None


async def test_a_pending_job_nobody_holds_is_sent_again(
    client: httpx.AsyncClient, learner: Any, app: FastAPI
) -> None:
    # as if its message was dropped (or the process restarted) after the commit
    job_id = await _orphan(app, learner.id, attempts=0, code="print('found again')")
    async with app.state.sessionmaker() as session:
        job = await session.get(ExecutionJob, job_id)
        assert job is not None
        job.status = "pending"
        job.worker_id = None
        job.heartbeat_at = None
        job.started_at = None
        await session.commit()
    done = await wait_job(client, job_id, learner.headers, within_s=120)
    assert done["status"] == "completed"
    assert done["attempts"] == 1
    assert done["result"]["stdout"] == "found again\n"


async def test_a_result_write_blip_is_retried_not_rerun(
    client: httpx.AsyncClient, learner: Any, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses the finished job's result for ~5 s (longer than job_stale_s = 3):
    the worker keeps its claim and retries; the code runs once and its result is kept."""
    from sqlalchemy.exc import OperationalError

    from coderunner.execution import repository

    real_finish = repository.finish
    refused: list[float] = []
    written: list[float] = []
    blip_s = 5.0

    async def flaky_finish(*args: Any, **kwargs: Any) -> bool:
        now = time.monotonic()
        if not refused or now - refused[0] < blip_s:
            refused.append(now)
            raise OperationalError("UPDATE", {}, OSError(28, "No space left on device"))
        written.append(now)
        return await real_finish(*args, **kwargs)

    monkeypatch.setattr(repository, "finish", flaky_finish)
    posted = await client.post(
        "/execution/run", json={"code": "print('ran')"}, headers=learner.headers
    )
    assert posted.status_code == 202, posted.text
    job = await wait_job(client, posted.json()["jobId"], learner.headers, within_s=60)
    assert job["status"] == "completed", job
    assert job["attempts"] == 1  # not handed to another run by the sweeper
    assert job["result"]["stdout"] == "ran\n"
    assert len(refused) >= 3
    assert written[0] - refused[0] >= blip_s  # the write went through after the whole blip
