"""Fair queues: one learner's slow jobs cannot hold every worker; another learner's trivial run
starts before the first learner's queued jobs, in embedded and scaled-out (Redis) modes."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from coderunner.api.app import create_app
from coderunner.db.base import new_id, utcnow
from coderunner.execution import repository
from coderunner.execution.models import ExecutionJob
from coderunner.execution.worker import fair_share
from tests.support.app import (
    Account,
    empty_database,
    make_settings,
    register,
    truncate_all,
)
from tests.support.env import REDIS_URL

from .conftest import wait_job

SLOW = "import time\ntime.sleep(4)\nprint('slow')"


def test_fair_share_leaves_room_for_others() -> None:
    assert [fair_share(n) for n in (1, 2, 3, 5, 8)] == [1, 1, 2, 3, 4]


async def _starve_and_probe(client: httpx.AsyncClient) -> None:
    greedy = await register(client, "greedy-kid")
    other = await register(client, "other-kid")
    slow_ids = []
    for _ in range(5):  # the per-user cap: five jobs, as many as there are workers
        response = await client.post("/execution/run", json={"code": SLOW}, headers=greedy.headers)
        assert response.status_code == 202, response.text
        slow_ids.append(response.json()["jobId"])
    started = time.monotonic()
    quick = await client.post(
        "/execution/run?wait=true", json={"code": "print('hi')"}, headers=other.headers
    )
    quick_job = quick.json()
    if quick_job["status"] not in ("completed", "failed"):
        quick_job = await wait_job(client, quick_job["jobId"], other.headers)
    waited = time.monotonic() - started
    assert quick_job["result"]["stdout"] == "hi\n"
    slow = [await wait_job(client, job_id, greedy.headers, within_s=90) for job_id in slow_ids]
    assert all(job["result"]["stdout"] == "slow\n" for job in slow)
    quick_start = datetime.fromisoformat(quick_job["startedAt"])
    slow_starts = sorted(datetime.fromisoformat(job["startedAt"]) for job in slow)
    # the greedy learner held at most their share; the quick run did not queue behind them
    assert quick_start < slow_starts[-1], (quick_start, slow_starts)
    later = [s for s in slow_starts if s > quick_start]
    assert len(later) >= 5 - fair_share(5), (quick_start, slow_starts)
    # a generous bound for a loaded 2-core box; the slow jobs take 4 s each
    assert waited < 3.5, waited


@pytest.mark.parametrize(
    "settings_overrides",
    [{"execution_concurrency": 5, "execution_rate_limit": 0, "max_user_pending_jobs": 5}],
)
async def test_a_trivial_run_starts_while_another_learner_fills_the_queue(
    client: httpx.AsyncClient,
) -> None:
    await _starve_and_probe(client)


@pytest.mark.redis
async def test_fair_share_holds_scaled_out(database_url: str, tmp_path: Path) -> None:
    """Scaled out: the API sends through Redis and a separate worker pipeline runs the jobs."""
    prefix = f"fairq-{time.time_ns()}"
    common: dict[str, Any] = {
        "redis_url": REDIS_URL,
        "redis_prefix": prefix,
        "execution_concurrency": 5,
        "execution_rate_limit": 0,
        "max_user_pending_jobs": 5,
        "job_heartbeat_s": 0.5,
        "job_stale_s": 3,
    }
    settings = make_settings(database_url, tmp_path / "data", **common)
    await empty_database(settings.database_url)
    app: FastAPI = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        await truncate_all(app)
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await _starve_and_probe(client)


async def _pending_job(app: FastAPI, user_id: str, queue: str) -> str:
    """A pending job on a queue no worker serves: only this test's claims touch it."""
    now = utcnow()
    job = ExecutionJob(
        id=new_id(),
        type="run",
        queue=queue,
        user_id=user_id,
        language="python",
        code="print(1)",
        stdin="",
        limits={},
        status="pending",
        attempts=0,
        created_at=now,
        enqueued_at=now,
    )
    async with app.state.sessionmaker() as session:
        session.add(job)
        await session.commit()
    return job.id


async def test_racing_claims_never_pass_the_share(app: FastAPI, learner: Account) -> None:
    """Two workers claim the same learner's jobs at once: the second waits for the first one's
    commit and sees it, so a share of one is one (PostgreSQL's read committed let both in)."""
    queue = "fair-claim-test"
    first_id = await _pending_job(app, learner.id, queue)
    second_id = await _pending_job(app, learner.id, queue)
    sessions = app.state.sessionmaker
    async with sessions() as first, sessions() as second:
        assert await repository.claim(first, first_id, "w1", utcnow(), 1) is not None

        async def claim_second() -> ExecutionJob | None:
            return await repository.claim(second, second_id, "w2", utcnow(), 1)

        racing = asyncio.create_task(claim_second())
        # the first claim is not committed yet; give the second every chance to overtake it
        # (it must not: it waits, whatever the machine's speed, so this only helps it fail)
        await asyncio.wait([racing], timeout=2)
        await first.commit()
        assert await racing is None, "a second worker claimed past the learner's share"
        await second.rollback()
