"""Fair queues: one learner's slow jobs cannot hold every worker; another learner's trivial run
starts before the first learner's queued jobs, in embedded and scaled-out (Redis) modes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
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
from tests.support.seeding import finished_job

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


@asynccontextmanager
async def _scaled_out(
    database_url: str, tmp_path: Path, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """Scaled out: jobs travel through Redis streams to the pipeline's stream consumers."""
    common: dict[str, Any] = {
        "redis_url": REDIS_URL,
        "redis_prefix": f"fairq-{time.time_ns()}",
        "execution_rate_limit": 0,
        "job_heartbeat_s": 0.5,
        "job_stale_s": 3,
        **overrides,
    }
    settings = make_settings(database_url, tmp_path / "data", **common)
    await empty_database(settings.database_url)
    app: FastAPI = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        await truncate_all(app)
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.mark.redis
async def test_fair_share_holds_scaled_out(database_url: str, tmp_path: Path) -> None:
    async with _scaled_out(
        database_url, tmp_path, execution_concurrency=5, max_user_pending_jobs=5
    ) as client:
        await _starve_and_probe(client)


async def _pending_job(
    app: FastAPI,
    user_id: str,
    queue: str,
    *,
    age_s: float = 0,
    started_s_ago: float | None = None,
) -> str:
    """A job on a queue no worker serves (only this test's claims touch it), made `age_s`
    seconds ago; pending, or processing since `started_s_ago` seconds when that is given."""
    now = utcnow()
    started = None if started_s_ago is None else now - timedelta(seconds=started_s_ago)
    job = ExecutionJob(
        id=new_id(),
        type="run",
        queue=queue,
        user_id=user_id,
        language="python",
        code="print(1)",
        stdin="",
        limits={},
        status="pending" if started is None else "processing",
        attempts=0 if started is None else 1,
        created_at=now - timedelta(seconds=age_s),
        enqueued_at=now,
        started_at=started,
        heartbeat_at=None if started is None else now,  # alive: no sweeper takes it back
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


HOLD = "input()\n"  # a console job: it holds its worker (code-console) until it is stopped


async def _job(client: httpx.AsyncClient, account: Account, job_id: str) -> dict[str, Any]:
    response = await client.get(f"/execution/{job_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _until_status(
    client: httpx.AsyncClient, jobs: list[tuple[Account, str]], status: str
) -> None:
    deadline = time.monotonic() + 60
    while True:
        states = [(await _job(client, who, job_id))["status"] for who, job_id in jobs]
        if all(s == status for s in states):
            return
        assert time.monotonic() < deadline, (status, states)
        await asyncio.sleep(0.1)


async def _serve_in_turn(client: httpx.AsyncClient) -> None:
    """Three console workers (a share of two): A holds two and waits with a third, B holds one
    and waits with a second, then C's console comes. The next free worker is C's: C has none
    yet, A and B have theirs (arriving earlier gives B's second job no claim on it)."""
    a, b, c = [await register(client, name) for name in ("kid-a", "kid-b", "kid-c")]
    held: dict[str, list[str]] = {"a": [], "b": []}
    for who, account, count in (("a", a, 3), ("b", b, 2)):
        for _ in range(count):
            body = {"code": HOLD, "console": True}
            response = await client.post("/execution/run", json=body, headers=account.headers)
            assert response.status_code == 202, response.text
            held[who].append(response.json()["jobId"])
        running = held["a"][:2] if who == "a" else held["b"][:1]
        await _until_status(client, [(account, j) for j in running], "processing")
    body = {"code": "print('hi')", "console": True}
    quick = await client.post("/execution/run", json=body, headers=c.headers)
    assert quick.status_code == 202, quick.text
    quick_id = quick.json()["jobId"]
    waiting = [(a, held["a"][2]), (b, held["b"][1]), (c, quick_id)]
    await _until_status(client, waiting, "pending")
    try:
        # a worker frees: C's run takes it, B's and A's waiting jobs stay pending
        await client.post(f"/execution/{held['a'][0]}/console/stop", headers=a.headers)
        try:
            done = await wait_job(client, quick_id, c.headers, within_s=60)
        except AssertionError:
            everyone = [(a, j) for j in held["a"]] + [(b, j) for j in held["b"]] + [(c, quick_id)]
            statuses = [(j[:8], (await _job(client, w, j))["status"]) for w, j in everyone]
            print("statuses when the wait ran out:", statuses)
            raise
        assert done["status"] == "completed", done
        for account, job_id in waiting[:2]:
            job = await _job(client, account, job_id)
            started = job["startedAt"]
            assert started is None or started > done["startedAt"], (job, done)
    finally:
        for who, account in (("a", a), ("b", b)):
            for job_id in held[who]:
                await client.post(f"/execution/{job_id}/console/stop", headers=account.headers)


TURNS = {
    # the held consoles end only on Stop, however slow the machine
    "console_idle_s": 600,
    "console_concurrency": 3,
    "execution_rate_limit": 0,
    "max_user_pending_jobs": 5,
    # a loaded machine can delay a heartbeat by seconds: a held console must never look dead
    # (its job would be given back and claimed again, changing the turns under test)
    "job_heartbeat_s": 1,
    "job_stale_s": 60,
}


@pytest.mark.parametrize("settings_overrides", [TURNS])
async def test_the_learner_with_fewest_running_jobs_goes_next(client: httpx.AsyncClient) -> None:
    await _serve_in_turn(client)


@pytest.mark.redis
async def test_learners_are_served_in_turn_scaled_out(database_url: str, tmp_path: Path) -> None:
    """Over Redis, with runs as the held jobs (three run workers, a share of two): A holds two
    workers (one run ends first) and waits with a third, B holds one and waits with a second,
    then C's run comes. The worker A's first run frees goes to C."""
    settings = {**TURNS, "execution_concurrency": 3}
    async with _scaled_out(database_url, tmp_path, **settings) as client:
        a, b, c = [await register(client, name) for name in ("out-a", "out-b", "out-c")]

        async def run(account: Account, code: str) -> str:
            response = await client.post(
                "/execution/run", json={"code": code}, headers=account.headers
            )
            assert response.status_code == 202, response.text
            job_id: str = response.json()["jobId"]
            return job_id

        # the first to end sleeps long enough for everything below to be sent first
        a_first = await run(a, "import time\ntime.sleep(8)\nprint('a1')")
        a_held = await run(a, "import time\ntime.sleep(25)\nprint('a2')")
        await _until_status(client, [(a, a_first), (a, a_held)], "processing")
        a_next = await run(a, "print('a3')")
        b_held = await run(b, "import time\ntime.sleep(25)\nprint('b1')")
        await _until_status(client, [(b, b_held)], "processing")
        b_next = await run(b, "print('b2')")
        c_first = await run(c, "print('c1')")
        waiting = [(a, a_next), (b, b_next), (c, c_first)]
        await _until_status(client, waiting, "pending")
        first = await _job(client, a, a_first)
        assert first["status"] == "processing", f"the machine took 8 s to send three runs: {first}"
        done = await wait_job(client, c_first, c.headers, within_s=60)
        assert done["status"] == "completed", done
        for account, job_id in waiting[:2]:
            job = await _job(client, account, job_id)
            started = job["startedAt"]
            assert started is None or started > done["startedAt"], (job, done)
        for account, job_id in [(a, a_held), (b, b_held), *waiting[:2]]:
            await wait_job(client, job_id, account.headers, within_s=90)


async def test_a_free_worker_takes_the_next_learner_in_turn(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The claim takes the queue's next job in turn, not the message's: first a learner with
    fewer jobs running, then the one served longest ago, then the oldest job; a learner at
    their share waits (arrival order alone would take A's oldest job first)."""
    queue = "fair-turn-test"
    a, b, c = [await register(client, name) for name in ("turn-a", "turn-b", "turn-c")]
    # A and B have a job running each, A's started long ago and B's just now
    await _pending_job(app, a.id, queue, age_s=31, started_s_ago=30)
    await _pending_job(app, b.id, queue, age_s=2, started_s_ago=1)
    a_next = await _pending_job(app, a.id, queue, age_s=20)
    a_last = await _pending_job(app, a.id, queue, age_s=19)
    b_next = await _pending_job(app, b.id, queue, age_s=10)
    c_first = await _pending_job(app, c.id, queue, age_s=5)
    taken = []
    for _ in range(4):
        async with app.state.sessionmaker() as session:
            now = utcnow()
            job, again = await repository.claim_next(
                session, queue, "w1", now, 2, now - timedelta(minutes=10)
            )
            await session.commit()
        assert not again
        taken.append(job.id if job is not None else None)
    # C has none running; A and B one each, A served longest ago; then A is at the share of
    # two and B goes; A's last job waits for one of A's to end
    assert taken == [c_first, a_next, b_next, None], taken
    async with app.state.sessionmaker() as session:
        assert await repository.pending_on(session, queue)
        assert (await repository.get(session, a_last)).status == "pending"  # type: ignore[union-attr]


ONE_CONSOLE = {**TURNS, "console_concurrency": 1}


@pytest.mark.parametrize("settings_overrides", [ONE_CONSOLE])
async def test_learners_take_turns_on_one_worker(client: httpx.AsyncClient) -> None:
    """One worker: A's console holds it and A has two more waiting, then B's run comes. When A's
    console stops, B's run goes before A's next (B has not been served; A just was)."""
    a, b = [await register(client, name) for name in ("one-a", "one-b")]
    held = []
    for _ in range(3):
        body = {"code": HOLD, "console": True}
        response = await client.post("/execution/run", json=body, headers=a.headers)
        assert response.status_code == 202, response.text
        held.append(response.json()["jobId"])
    await _until_status(client, [(a, held[0])], "processing")
    body = {"code": "print('hi')", "console": True}
    quick = await client.post("/execution/run", json=body, headers=b.headers)
    assert quick.status_code == 202, quick.text
    quick_id = quick.json()["jobId"]
    await _until_status(client, [(a, held[1]), (a, held[2]), (b, quick_id)], "pending")
    try:
        await client.post(f"/execution/{held[0]}/console/stop", headers=a.headers)
        try:
            done = await wait_job(client, quick_id, b.headers, within_s=60)
        except AssertionError:
            everyone = [(a, j) for j in held] + [(b, quick_id)]
            statuses = [(j[:8], (await _job(client, w, j))["status"]) for w, j in everyone]
            print("statuses when the wait ran out:", statuses)
            raise
        assert done["status"] == "completed", done
        for job_id in held[1:]:
            started = (await _job(client, a, job_id))["startedAt"]
            assert started is None or started > done["startedAt"], (started, done)
        # and A's waiting consoles still get the worker, one after the other
        await _until_status(client, [(a, held[1])], "processing")
    finally:
        for job_id in held:
            await client.post(f"/execution/{job_id}/console/stop", headers=a.headers)


async def test_a_job_without_a_wake_up_is_sent_again_embedded(
    app: FastAPI, client: httpx.AsyncClient, learner: Account
) -> None:
    """Embedded, the sweeper counts wake-ups, not ids (a wake-up may take any job): a pending
    job sent long ago that no wake-up here holds is sent again, and runs."""
    job = finished_job(learner.id, "ACCEPTED", kind="run")
    job.id, job.status, job.verdict, job.attempts = new_id(), "pending", None, 0
    job.code = "print('found again')"
    job.enqueued_at = utcnow() - timedelta(seconds=30)  # its message went long ago, and is lost
    async with app.state.sessionmaker() as session:
        session.add(job)
        await session.commit()
    done = await wait_job(client, job.id, learner.headers, within_s=90)
    assert done["status"] == "completed", done
    assert done["result"]["stdout"] == "found again\n"
