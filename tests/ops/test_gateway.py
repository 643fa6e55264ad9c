"""The shipped nginx configuration in front of two real API and two real web processes.

Debian's nginx runs deploy/nginx/coderunner.conf (ports moved to free ones) as a foreground
process. Clients load it for a few seconds through both of its doors (the public origin: pages,
the web's /api proxy, static files; the internal API listener the web processes use), then one
API process is killed with SIGKILL mid-load. Every GET must still succeed (nginx retries it on the
other process); a POST may fail only with a status a client retries (502/503/504), and is never
run twice (nginx passes a POST on only when the dead process refused its connection).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from coderunner.db.migrate import upgrade_url
from coderunner.execution.models import ExecutionJob
from tests.support.app import TEST_SECRET, register
from tests.support.env import REDIS_URL, delete_redis_keys, scratch_database
from tests.support.ports import free_port
from tests.support.serve import CODERUNNER, answers_200, wait_until_answers
from tests.support.uids import Purpose, sandbox_env

from .nginx import render_site, write_main_config

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.sandbox]

LOAD_BEFORE_KILL_S = 4.0
LOAD_AFTER_KILL_S = 8.0
CLIENTS = 8


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        handle = self.log.open("wb")
        self.process = subprocess.Popen(
            self.args, env=self.env, stdout=handle, stderr=subprocess.STDOUT
        )
        handle.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@dataclass
class Gateway:
    public: str
    internal: str
    apis: list[Process]
    webs: list[Process]
    nginx: Process
    prefix: Path
    database: str
    processes: list[Process] = field(default_factory=list)


@pytest.fixture
def database() -> Iterator[str]:
    with scratch_database("coderunner_gateway") as url:
        upgrade_url(url)
        yield url


def _wait_http(url: str, process: Process) -> None:
    assert process.process is not None, f"{process.name} was not started"
    wait_until_answers(url, [(process.process, process.log)], ready=answers_200)


@pytest.fixture
def gateway(database: str, tmp_path: Path) -> Iterator[Gateway]:
    prefix_key = f"crgw-{secrets.token_hex(4)}"
    api_ports, web_ports = [free_port(), free_port()], [free_port(), free_port()]
    internal_port, public_port = free_port(), free_port()
    base_env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "CODERUNNER_REDIS_PREFIX": prefix_key,
        "JWT_SECRET": TEST_SECRET,
        "CODERUNNER_ENV": "test",
        "CODERUNNER_EMBEDDED_WORKERS": "false",
        "CODERUNNER_TRUSTED_PROXIES": "127.0.0.1/32",
        "CODERUNNER_API_URL": f"http://127.0.0.1:{internal_port}",
        "MAX_PENDING_JOBS": "100000",
        "CODERUNNER_MAX_USER_PENDING_JOBS": "100000",
        "RATE_LIMIT_MAX_REQUESTS": "1000000",
        "EXECUTION_RATE_LIMIT": "0",
        "SUBMISSION_RATE_LIMIT": "0",
        "LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
    }
    started: list[Process] = []
    apis = []
    try:
        for i, port in enumerate(api_ports):
            env = {
                **base_env,
                "CODERUNNER_DATA_DIR": str(tmp_path / f"api{i}"),
                **sandbox_env(Purpose.OTHER_SERVER, part=i, parts=len(api_ports)),
            }
            proc = Process(
                f"api{i}",
                [CODERUNNER, "api", "--host", "127.0.0.1", "--port", str(port)],
                env,
                tmp_path / f"api{i}.log",
            )
            proc.start()
            started.append(proc)
            apis.append(proc)
            # one at a time: each loads the curriculum into the database as it starts
            _wait_http(f"http://127.0.0.1:{port}/health", proc)
        webs = []
        for i, port in enumerate(web_ports):
            proc = Process(
                f"web{i}",
                [CODERUNNER, "web", "--host", "127.0.0.1", "--port", str(port)],
                {**base_env, "CODERUNNER_DATA_DIR": str(tmp_path / f"web{i}")},
                tmp_path / f"web{i}.log",
            )
            proc.start()
            started.append(proc)
            webs.append(proc)
        for proc, port in zip(webs, web_ports, strict=True):
            _wait_http(f"http://127.0.0.1:{port}/static/favicon.svg", proc)

        prefix = tmp_path / "nginx"
        main = write_main_config(
            prefix, render_site(api_ports, web_ports, internal_port, public_port)
        )
        nginx = Process(
            "nginx",
            ["nginx", "-p", str(prefix), "-c", str(main), "-e", str(prefix / "logs" / "error.log")],
            dict(os.environ),
            tmp_path / "nginx.out",
        )
        nginx.start()
        started.append(nginx)
        _wait_http(f"http://127.0.0.1:{public_port}/static/favicon.svg", nginx)
        _wait_http(f"http://127.0.0.1:{internal_port}/health", nginx)
        yield Gateway(
            f"http://127.0.0.1:{public_port}",
            f"http://127.0.0.1:{internal_port}",
            apis,
            webs,
            nginx,
            prefix,
            database,
            started,
        )
    finally:
        for proc in reversed(started):
            proc.stop()
        delete_redis_keys(prefix_key)


@dataclass
class Tally:
    gets: Counter[int] = field(default_factory=Counter)
    posts: Counter[int] = field(default_factory=Counter)
    get_errors: list[str] = field(default_factory=list)
    post_errors: list[str] = field(default_factory=list)
    gets_after_kill: int = 0


async def _load(
    gw: Gateway, token: str, tally: Tally, stop_at: float, killed: asyncio.Event
) -> None:
    bearer = {"Authorization": f"Bearer {token}"}
    cookie = {"Cookie": f"cr_session={token}"}
    requests: list[tuple[str, str, dict[str, str]]] = [
        ("GET", f"{gw.public}/levels/10-12", cookie),
        ("GET", f"{gw.public}/api/problems?ageGroup=10-12", cookie),
        ("GET", f"{gw.public}/static/css/site.css", {}),
        ("GET", f"{gw.internal}/levels", bearer),
        ("GET", f"{gw.internal}/auth/me", bearer),
        ("GET", f"{gw.public}/api/levels", cookie),
        ("POST", f"{gw.internal}/execution/run", bearer),
    ]
    async with httpx.AsyncClient(timeout=30) as client:
        i = secrets.randbelow(len(requests))
        while time.monotonic() < stop_at:
            method, url, headers = requests[i % len(requests)]
            i += 1
            try:
                if method == "GET":
                    response = await client.get(url, headers=headers)
                    tally.gets[response.status_code] += 1
                    if response.status_code != 200:
                        tally.get_errors.append(f"{response.status_code} {url}")
                    elif killed.is_set():
                        tally.gets_after_kill += 1
                else:
                    response = await client.post(url, headers=headers, json={"code": "print(1)"})
                    tally.posts[response.status_code] += 1
            except httpx.HTTPError as exc:
                target = tally.get_errors if method == "GET" else tally.post_errors
                target.append(f"{type(exc).__name__} {url}")


@pytest.mark.timeout(300)
async def test_one_api_killed_mid_load_fails_no_get(gateway: Gateway) -> None:
    gw = gateway
    async with httpx.AsyncClient(base_url=gw.internal, timeout=30) as client:
        learner = await register(client, f"gw-{secrets.token_hex(3)}", ageGroup="10-12")
    tally = Tally()
    killed = asyncio.Event()
    started = time.monotonic()
    stop_at = started + LOAD_BEFORE_KILL_S + LOAD_AFTER_KILL_S
    loaders = [
        asyncio.create_task(_load(gw, learner.token, tally, stop_at, killed))
        for _ in range(CLIENTS)
    ]
    await asyncio.sleep(LOAD_BEFORE_KILL_S)
    victim = gw.apis[0]
    assert victim.process is not None
    victim.process.send_signal(signal.SIGKILL)
    await asyncio.to_thread(victim.process.wait, 10)
    killed.set()
    await asyncio.gather(*loaders)

    log_lines = (gw.prefix / "logs" / "access.log").read_text().splitlines()
    upstreams = Counter(line.split('"')[1] for line in log_lines if '"' in line)
    retried_gets = [line for line in log_lines if line.startswith("GET") and ", " in line]
    replayed_posts = [line for line in log_lines if line.startswith("POST") and ", " in line]
    summary = (
        f"GET {dict(tally.gets)} after kill {tally.gets_after_kill}, POST {dict(tally.posts)}, "
        f"POST errors {len(tally.post_errors)}, GETs nginx retried {len(retried_gets)}, "
        f"upstreams {dict(upstreams)}"
    )
    print(summary)
    # every GET succeeded, before and after the kill
    assert tally.get_errors == [], summary + "\n" + "\n".join(tally.get_errors[:20])
    assert sum(tally.gets.values()) >= 50, summary
    assert tally.gets_after_kill >= 10, summary
    # both API processes took traffic before one died
    api_addrs = {f"127.0.0.1:{p}" for p in _ports(gw)}
    assert api_addrs <= set(upstreams), summary
    # POSTs: accepted, or a status a client may retry; never sent to two processes by nginx
    assert set(tally.posts) <= {202, 502, 503, 504}, summary
    assert tally.posts[202] > 0, summary
    # nginx passes a POST on only when the dead process refused the connection (never sent):
    # each accepted POST is one job, and no job exists that nobody was told about twice
    engine = create_async_engine(gw.database)
    try:
        async with engine.connect() as conn:
            jobs = int(
                (await conn.execute(select(func.count()).select_from(ExecutionJob))).scalar_one()
            )
    finally:
        await engine.dispose()
    lost_in_flight = sum(n for status, n in tally.posts.items() if status >= 500)
    assert tally.posts[202] <= jobs <= tally.posts[202] + lost_in_flight, (jobs, summary)
    for line in replayed_posts:  # passed on after a refused connection, not after a send
        assert line.split('"')[3].startswith("502, "), line
    assert all(p.alive() for p in [*gw.webs, gw.apis[1], gw.nginx])


def _ports(gw: Gateway) -> list[int]:
    return [int(p.args[p.args.index("--port") + 1]) for p in gw.apis]
