"""Outage drills: a full data disk, Redis stopped, PostgreSQL stopped (issue 17).

Each drill asserts no 500, no lost or stuck job, and Retry-After on every refusal. The disk-full
drill puts the SQLite data dir on a small tmpfs of its own (root mounts it, unmounted after);
the Redis and PostgreSQL drills start their own server processes on free ports, never the
shared ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import secrets
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from coderunner.api.app import create_app
from coderunner.db.migrate import upgrade_url
from tests.support.app import empty_database, make_settings, register, truncate_all
from tests.support.ports import free_port
from tests.support.postgres_server import OwnPostgres
from tests.support.redis_server import start_redis, stop_redis

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


class Answers:
    """Every answer the drill got: none may be a 500, every refusal must say when to retry."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, str]] = []

    def check(self, what: str, response: httpx.Response) -> httpx.Response:
        self.seen.append((what, response.status_code, response.text[:300]))
        assert response.status_code < 500 or response.status_code == 503, (what, response.text)
        if response.status_code in (429, 503):
            assert int(response.headers["retry-after"]) >= 1, (what, response.headers)
        if response.status_code == 503 and "error" in response.json():
            assert response.json()["error"]["message"], response.text
        return response


async def _finished(
    client: httpx.AsyncClient,
    job_id: str,
    headers: dict[str, str],
    answers: Answers,
    within_s: float,
) -> dict[str, Any]:
    deadline = time.monotonic() + within_s
    while True:
        got = answers.check("poll", await client.get(f"/execution/{job_id}", headers=headers))
        if got.status_code == 200 and got.json()["status"] in ("completed", "failed"):
            body: dict[str, Any] = got.json()
            return body
        assert time.monotonic() < deadline, f"job {job_id} stuck: {got.text}"
        await asyncio.sleep(0.2)


# a full disk ----------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m,mode=0755", "tmpfs", str(mount)], check=True
    )
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """Fill the disk to the last byte (ENOSPC)."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
    with contextlib.suppress(OSError), filler.open("ab", buffering=0) as out:  # the last bytes
        while True:
            out.write(b"\0" * 512)
    return filler


@pytest.fixture
async def disk_app(small_disk: Path) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    url = f"sqlite+aiosqlite:///{small_disk / 'data' / 'coderunner.db'}"
    (small_disk / "data").mkdir()
    await asyncio.to_thread(upgrade_url, url)
    settings = make_settings(
        url,
        small_disk / "data",
        execution_rate_limit=0,
        submission_rate_limit=0,
        job_heartbeat_s=0.5,
        job_stale_s=3,
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
        transport = httpx.ASGITransport(app=app, client=("10.7.7.7", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield app, client


@pytest.mark.timeout(240)
async def test_drill_disk_full(
    disk_app: tuple[FastAPI, httpx.AsyncClient], small_disk: Path
) -> None:
    _app, client = disk_app
    answers = Answers()
    kid = await register(client, "disk_kid")
    before = answers.check(
        "run before",
        await client.post("/execution/run", json={"code": "print('before')"}, headers=kid.headers),
    )
    assert before.status_code == 202
    assert (await _finished(client, before.json()["jobId"], kid.headers, answers, 60))[
        "status"
    ] == "completed"
    # a job in flight when the disk fills
    running = answers.check(
        "run during",
        await client.post(
            "/execution/run",
            json={"code": "import time\ntime.sleep(1.5)\nprint('during')"},
            headers=kid.headers,
        ),
    )
    assert running.status_code == 202
    filler = await asyncio.to_thread(_fill, small_disk)

    health = answers.check("health", await client.get("/health"))
    assert health.status_code == 503, health.text
    assert health.json()["checks"]["db"]["status"] in ("degraded", "down"), health.text
    refused = 0
    accepted: list[str] = []
    for i in range(5):
        got = answers.check(
            "run while full",
            await client.post("/execution/run", json={"code": f"print({i})"}, headers=kid.headers),
        )
        refused += got.status_code == 503
        if got.status_code == 202:
            accepted.append(got.json()["jobId"])
        answers.check(
            "register while full",
            await client.post(
                "/auth/register",
                json={"username": f"full_kid_{i}", "password": "correct-horse-battery"},
            ),
        )
        answers.check("read while full", await client.get("/levels"))
    assert refused >= 1, answers.seen  # writes are refused while the disk is full (not 500)

    await asyncio.sleep(2)
    filler.unlink()  # the admin frees space
    during = await _finished(client, running.json()["jobId"], kid.headers, answers, 60)
    assert during["status"] == "completed", during
    assert during["result"]["stdout"] == "during\n"
    after = answers.check(
        "run after",
        await client.post("/execution/run", json={"code": "print('after')"}, headers=kid.headers),
    )
    assert after.status_code == 202
    assert (await _finished(client, after.json()["jobId"], kid.headers, answers, 60))[
        "status"
    ] == "completed"
    # jobs accepted while the disk filled up are not lost either
    for job_id in accepted:
        assert (await _finished(client, job_id, kid.headers, answers, 60))["status"] == "completed"
    deadline = time.monotonic() + 30
    while (await client.get("/health")).status_code != 200:
        assert time.monotonic() < deadline, (await client.get("/health")).text
        await asyncio.sleep(0.5)
    assert not [s for s in answers.seen if s[1] == 500]
    print("drill disk full:", sorted({(w, c) for w, c, _ in answers.seen}))


# Redis stopped and restarted without persistence -----------------------------------------------


@pytest.mark.redis
@pytest.mark.timeout(240)
async def test_drill_redis_down(sqlite_url: str, tmp_path: Path) -> None:
    port = free_port()
    redis = start_redis(port, tmp_path)
    try:
        settings = make_settings(
            sqlite_url,
            tmp_path / "data",
            redis_url=f"redis://127.0.0.1:{port}/0",
            redis_prefix=f"drill-{secrets.token_hex(4)}",
            execution_rate_limit=0,
            submission_rate_limit=0,
            job_heartbeat_s=0.5,
            job_stale_s=3,
        )
        await empty_database(settings.database_url)
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
            await truncate_all(app)
            transport = httpx.ASGITransport(app=app, client=("10.7.7.8", 1))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answers = Answers()
                kid = await register(client, "redis_drill_kid")
                first = answers.check(
                    "run before",
                    await client.post(
                        "/execution/run", json={"code": "print(1)"}, headers=kid.headers
                    ),
                )
                assert (await _finished(client, first.json()["jobId"], kid.headers, answers, 60))[
                    "status"
                ] == "completed"
                login = answers.check(
                    "login",
                    await client.post(
                        "/auth/login",
                        json={"username": "redis_drill_kid", "password": "correct-horse-battery"},
                    ),
                )
                other = {"Authorization": f"Bearer {login.json()['token']}"}
                answers.check("logout", await client.post("/auth/logout", headers=kid.headers))

                await asyncio.to_thread(stop_redis, port, redis)
                accepted: list[str] = []
                for i in range(3):
                    me = answers.check("me", await client.get("/auth/me", headers=other))
                    assert me.status_code == 200, me.text
                    revoked = answers.check(
                        "revoked", await client.get("/auth/me", headers=kid.headers)
                    )
                    assert revoked.status_code == 401
                    answers.check("levels", await client.get("/levels"))
                    run = answers.check(
                        "run while down",
                        await client.post(
                            "/execution/run", json={"code": f"print({i})"}, headers=other
                        ),
                    )
                    if run.status_code == 202:
                        accepted.append(run.json()["jobId"])
                health = answers.check("health", await client.get("/health"))
                assert health.status_code == 503
                assert health.json()["checks"]["redis"]["status"] == "down"
                # still ready: logins and pages work, so a balancer keeps sending them here
                ready = answers.check("ready", await client.get("/health/ready"))
                assert ready.status_code == 200, ready.text
                assert ready.json()["status"] == "degraded"
                assert ready.json()["checks"]["redis"]["status"] == "down"
                assert (await client.get("/health/live")).status_code == 200

                redis = await asyncio.to_thread(
                    start_redis, port, tmp_path
                )  # empty: no persistence
                assert (await client.get("/auth/me", headers=kid.headers)).status_code == 401
                for job_id in accepted:  # accepted during the outage: sent again, run once
                    done = await _finished(client, job_id, other, answers, 90)
                    assert done["status"] == "completed", done
                    assert done["attempts"] == 1
                after = answers.check(
                    "run after",
                    await client.post(
                        "/execution/run", json={"code": "print('after')"}, headers=other
                    ),
                )
                assert (await _finished(client, after.json()["jobId"], other, answers, 90))[
                    "status"
                ] == "completed"
                assert not [s for s in answers.seen if s[1] == 500]
                print("drill redis down:", sorted({(w, c) for w, c, _ in answers.seen}))
    finally:
        stop_redis(port, redis)


# PostgreSQL stopped and started again ----------------------------------------------------------


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if os.geteuid() != 0:
        pytest.skip("running a PostgreSQL of our own needs root (runuser postgres)")
    server = OwnPostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.mark.postgres
@pytest.mark.timeout(300)
async def test_drill_database_down(own_postgres: OwnPostgres, tmp_path: Path) -> None:
    import asyncpg

    admin = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{own_postgres.port}/postgres")
    try:
        await admin.execute('CREATE DATABASE "drill"')
    finally:
        await admin.close()
    url = own_postgres.url("drill")
    await asyncio.to_thread(upgrade_url, url)
    settings = make_settings(
        url,
        tmp_path / "data",
        execution_rate_limit=0,
        submission_rate_limit=0,
        job_heartbeat_s=0.5,
        job_stale_s=3,
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
        transport = httpx.ASGITransport(app=app, client=("10.7.7.9", 1))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", timeout=60
        ) as client:
            answers = Answers()
            kid = await register(client, "pg_drill_kid")
            before = answers.check(
                "run before",
                await client.post("/execution/run", json={"code": "print(1)"}, headers=kid.headers),
            )
            assert (await _finished(client, before.json()["jobId"], kid.headers, answers, 60))[
                "status"
            ] == "completed"
            # a wait=true request whose job is committed, then the database goes away mid-wait
            waiting = asyncio.create_task(
                client.post(
                    "/execution/run?wait=true",
                    json={"code": "import time\ntime.sleep(2)\nprint('waited')"},
                    headers=kid.headers,
                )
            )
            await asyncio.sleep(1.0)
            await asyncio.to_thread(own_postgres.stop)
            waited = answers.check("wait=true across the outage", await waiting)
            assert waited.status_code in (200, 202), waited.text
            for i in range(3):
                answers.check("me while down", await client.get("/auth/me", headers=kid.headers))
                answers.check("levels while down", await client.get("/levels"))
                answers.check(
                    "run while down",
                    await client.post(
                        "/execution/run", json={"code": f"print({i})"}, headers=kid.headers
                    ),
                )
            refusals = [s for s in answers.seen if s[0].endswith("while down")]
            assert all(code == 503 for _w, code, _t in refusals), refusals
            health = answers.check("health while down", await client.get("/health"))
            assert health.status_code == 503
            assert health.json()["checks"]["db"]["status"] == "down"
            # not ready without its database (nothing can be served), yet alive (no restart)
            ready = answers.check("ready while down", await client.get("/health/ready"))
            assert ready.status_code == 503, ready.text
            assert ready.json()["status"] == "down"
            assert (await client.get("/health/live")).status_code == 200

            await asyncio.to_thread(own_postgres.start)
            done = await _finished(client, waited.json()["jobId"], kid.headers, answers, 120)
            assert done["status"] == "completed", done
            assert done["result"]["stdout"] == "waited\n"
            after = answers.check(
                "run after",
                await client.post(
                    "/execution/run", json={"code": "print('after')"}, headers=kid.headers
                ),
            )
            assert after.status_code == 202, after.text
            assert (await _finished(client, after.json()["jobId"], kid.headers, answers, 60))[
                "status"
            ] == "completed"
            assert not [s for s in answers.seen if s[1] == 500]
            print("drill database down:", sorted({(w, c) for w, c, _ in answers.seen}))
