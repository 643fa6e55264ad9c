"""Degrade, never 500: Redis unreachable, the database refusing, the API starting.

The drills that stop real PostgreSQL and Redis processes are in tests/execution/test_drills.py;
these run in-process against a Redis port where nothing listens and a database error raised
where the app meets it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from coderunner.api.app import create_app
from coderunner.execution import app as execution_app
from coderunner.kernel.outage import outage_of
from tests.support.app import (
    PASSWORD,
    Account,
    empty_database,
    make_settings,
    register,
    truncate_all,
)
from tests.support.ports import dead_port


@pytest.fixture
def dead_redis_url() -> Iterator[str]:
    """A Redis URL where nothing can listen: the port stays bound (not listening) by this test,
    so a connection is refused at once and no other process (a parallel test's server) can take
    the port meanwhile."""
    with dead_port() as port:
        yield f"redis://127.0.0.1:{port}/0"


def _is_refusal(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["error"]["code"] if "error" in body else body["status"] != "ok"


async def test_authentication_works_while_redis_is_down(
    database_url: str, tmp_path: Path, dead_redis_url: str
) -> None:
    settings = make_settings(
        database_url, tmp_path / "data", redis_url=dead_redis_url, ready_before_listen=False
    )
    await empty_database(settings.database_url)
    app = create_app(settings)
    # generous windows: on a loaded 2-core machine start-up and shutdown can take many seconds
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=120):
        await truncate_all(app)
        transport = httpx.ASGITransport(app=app, client=("10.4.4.4", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            kid = await register(client, "no_redis_kid")
            me = await client.get("/auth/me", headers=kid.headers)
            assert me.status_code == 200, me.text
            login = await client.post(
                "/auth/login", json={"username": "no_redis_kid", "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            second = Account(kid.id, kid.username, login.json()["token"])
            # a revocation is kept (in the database) and checked without Redis
            assert (await client.post("/auth/logout", headers=kid.headers)).status_code == 200
            assert (await client.get("/auth/me", headers=kid.headers)).status_code == 401
            assert (await client.get("/auth/me", headers=second.headers)).status_code == 200
            assert (await client.get("/levels")).status_code == 200
            health = await client.get("/health")
            _is_refusal(health)
            assert health.json()["checks"]["redis"]["status"] == "down"
            assert health.json()["checks"]["db"]["status"] == "ok"
            ready = await client.get("/health/ready")  # logins and pages still work
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "degraded"
            # the job queue is on Redis: running code is refused with Retry-After, not a 500
            run = await client.post(
                "/execution/run", json={"code": "print(1)"}, headers=second.headers
            )
            _is_refusal(run)


async def test_database_errors_answer_503_with_retry_after(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "refused"))

    async def full() -> None:
        import sqlite3

        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    async def bug() -> None:
        raise KeyError("a bug")

    app.add_api_route("/__db_down", broken)
    app.add_api_route("/__disk_full", full)
    app.add_api_route("/__bug", bug)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        down = await client.get("/__db_down", headers={"X-Request-ID": "r-1"})
        _is_refusal(down)
        assert down.json()["error"]["part"] == "database"
        assert down.json()["error"]["requestId"] == "r-1"
        assert down.headers["x-request-id"] == "r-1"
        assert down.headers["x-content-type-options"] == "nosniff"
        disk = await client.get("/__disk_full")
        _is_refusal(disk)
        assert disk.json()["error"]["part"] == "disk"
        # a bug stays a 500, answered (not raised to the server, which would log it again)
        caplog.clear()
        boom = await client.get("/__bug")
        assert boom.status_code == 500
        assert boom.json()["error"]["code"] == "INTERNAL_ERROR"
    # its traceback is logged once (the server is not handed the exception to log it again)
    tracebacks = [r for r in caplog.records if r.exc_info is not None]
    assert len(tracebacks) == 1, [r.getMessage() for r in tracebacks]
    assert "unhandled_error" in tracebacks[0].getMessage()


def test_outage_classification() -> None:
    import redis.exceptions

    assert outage_of(redis.exceptions.ConnectionError("x")) == "redis"
    assert outage_of(OSError(28, "No space left on device")) == "disk"
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = ConnectionRefusedError(111, "refused")
    assert outage_of(wrapped) == "connection"
    assert (
        outage_of(ExceptionGroup("g", [ValueError(), redis.exceptions.TimeoutError()])) == "redis"
    )
    assert outage_of(KeyError("k")) is None
    assert outage_of(ValueError("v")) is None


async def test_wait_true_answers_202_when_the_database_drops_during_the_wait(
    app: FastAPI, client: httpx.AsyncClient, learner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = app.state.execution

    async def dropped(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("SELECT", {}, ConnectionResetError(104, "reset"))

    monkeypatch.setattr(pipeline, "wait_finished", dropped)
    posted = await client.post(
        "/execution/run?wait=true", json={"code": "print('once')"}, headers=learner.headers
    )
    assert posted.status_code == 202, posted.text
    job_id = posted.json()["jobId"]
    monkeypatch.undo()
    # the job was committed before the drop: it runs (once) and finishes
    deadline = time.monotonic() + 60
    while (done := (await client.get(f"/execution/{job_id}", headers=learner.headers)).json())[
        "status"
    ] not in ("completed", "failed"):
        assert time.monotonic() < deadline, done
        await asyncio.sleep(0.1)
    assert done["status"] == "completed"
    assert done["attempts"] == 1
    assert done["result"]["stdout"] == "once\n"


async def test_api_listens_at_once_and_reports_starting(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    self_test_done = asyncio.Event()
    real_self_test = execution_app._self_test

    async def slow_self_test() -> None:  # the real one takes ~10 s on a cold start
        await self_test_done.wait()
        # then the real one: "ok" must not depend on an earlier test having run it
        await real_self_test()

    monkeypatch.setattr(execution_app, "_self_test", slow_self_test)
    settings = make_settings(database_url, tmp_path / "data", ready_before_listen=False)
    await empty_database(settings.database_url)
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=120):
        await truncate_all(app)
        assert app.state.starting  # the sandbox self-test runs in the background
        transport = httpx.ASGITransport(app=app, client=("10.4.4.5", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            health = await client.get("/health")
            _is_refusal(health)
            assert health.json()["status"] == "starting"
            ready = await client.get("/health/ready")
            _is_refusal(ready)
            assert ready.json()["status"] == "starting"
            assert (await client.get("/health/live")).status_code == 200
            kid = await register(client, "early_kid")
            run = await client.post(
                "/execution/run", json={"code": "print(1)"}, headers=kid.headers
            )
            _is_refusal(run)
            assert run.json()["error"]["code"] == "STARTING"
            self_test_done.set()
            await app.state.execution_boot
            assert not app.state.starting
            assert (await client.get("/health")).json()["status"] == "ok"
            assert (await client.get("/health/ready")).status_code == 200
            run = await client.post(
                "/execution/run", json={"code": "print(1)"}, headers=kid.headers
            )
            assert run.status_code == 202, run.text
