"""The shipped nginx configuration in front of two real API and two real web processes.

Debian's nginx runs deploy/nginx/coderunner.conf (ports moved to free ones) as a foreground
process. Clients load it for a few seconds through both of its doors (the public origin: pages,
the web's /api proxy, static files; the internal API listener the web processes use), then one
API process is killed with SIGKILL mid-load. Every GET must still succeed: nginx passes it on to
the other process, unless the dead one had already begun its answer (nginx has sent the header
on, so it can only cut the body short). On the public door the web process reads the answer
whole and asks such a GET once more (nginx sends it to the live process); on the internal door
the test asks again once, as that door's client (a web process) does, and only where nginx's
error log shows such a cut. A POST may fail only with a status a client retries (503/504),
or cut short where nginx logged that the killed process had begun its answer, and is never run
twice (nginx passes a POST on only when the dead process refused its connection).

The rolling restart (the upgrade of docs/deploy.md) runs a `coderunner worker` too: every job
the APIs accepted while they restarted must finish, none lost or stuck.
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
from coderunner.execution.models import TERMINAL, ExecutionJob, JobStatus
from tests.support.app import TEST_SECRET, register
from tests.support.env import REDIS_URL, delete_redis_keys, scratch_database
from tests.support.ports import HeldPort
from tests.support.serve import CODERUNNER, answers_200, wait_until_answers
from tests.support.uids import Purpose, sandbox_env_slots
from tests.support.waiting import wait_until, wait_until_sync

from .nginx import render_site, write_main_config

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.sandbox]

# the load is counted, not timed (a busy machine answers few requests a second): this many
# answered GETs before the kill, and this many successful ones after it
GETS_BEFORE_KILL = 40
GETS_AFTER_KILL = 20
CLIENTS = 8
# this test's 8 sandbox uids: 3 for each API, 2 for the worker (its 2 concurrent jobs, no pool).
# An API's pool is 1 of each kind: its self-test waits for a full pool, and the pool never takes
# a process's last free uid, so a pool of 2 needs 5 uids and would never fill in 3 (the self-test
# would wait its whole 60 s, then turn the pool off).
API_UIDS, API_POOL, WORKER_UIDS = 3, 1, 2
# an API starting on a busy machine: the sandbox self-test takes minutes at a load of 20+
START_S = 420.0


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
    env: dict[str, str]
    tmp: Path
    processes: list[Process] = field(default_factory=list)


@pytest.fixture
def database() -> Iterator[str]:
    with scratch_database("coderunner_gateway") as url:
        upgrade_url(url)
        yield url


def _wait_http(url: str, process: Process) -> None:
    assert process.process is not None, f"{process.name} was not started"
    wait_until_answers(url, [(process.process, process.log)], ready=answers_200, within_s=START_S)


@pytest.fixture
def gateway(database: str, tmp_path: Path) -> Iterator[Gateway]:
    prefix_key = f"crgw-{secrets.token_hex(4)}"
    # held until each server starts (the APIs' self-tests take minutes on a busy machine)
    held = [HeldPort() for _ in range(6)]
    api_ports, web_ports = [h.port for h in held[:2]], [h.port for h in held[2:4]]
    internal_port, public_port = held[4].port, held[5].port
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
                **sandbox_env_slots(Purpose.OTHER_SERVER, i * API_UIDS, API_UIDS, API_POOL),
            }
            proc = Process(
                f"api{i}",
                [CODERUNNER, "api", "--host", "127.0.0.1", "--port", str(port)],
                env,
                tmp_path / f"api{i}.log",
            )
            held[i].release()
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
            held[2 + i].release()
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
        held[4].release()
        held[5].release()
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
            base_env,
            tmp_path,
            started,
        )
    finally:
        for hold in held:
            hold.release()
        for proc in reversed(started):
            proc.stop()
        delete_redis_keys(prefix_key)


@pytest.fixture
def worker(gateway: Gateway) -> Iterator[Process]:
    """A `coderunner worker` running the jobs the gateway's APIs accept."""
    proc = Process(
        "worker",
        [CODERUNNER, "worker", "--concurrency-execution", "1", "--concurrency-submission", "1"],
        {
            **gateway.env,
            "CODERUNNER_DATA_DIR": str(gateway.tmp / "worker"),
            "LOG_LEVEL": "info",
            **sandbox_env_slots(Purpose.OTHER_SERVER, 2 * API_UIDS, WORKER_UIDS, pool_size=0),
        },
        gateway.tmp / "worker.log",
    )
    proc.start()
    try:

        def started() -> bool:
            assert proc.alive(), proc.log.read_text()[-4000:]
            return b"worker_started" in proc.log.read_bytes()

        wait_until_sync(started, "the worker to start", within_s=180, every_s=0.2)
        yield proc
    finally:
        proc.stop()


@dataclass
class Tally:
    gets: Counter[int] = field(default_factory=Counter)
    posts: Counter[int] = field(default_factory=Counter)
    get_errors: list[str] = field(default_factory=list)
    post_errors: list[str] = field(default_factory=list)
    gets_after_kill: int = 0
    # internal-door GETs whose answer was cut off (asked again once, as the web process does)
    cut_gets: list[str] = field(default_factory=list)


async def _load(
    gw: Gateway, token: str, tally: Tally, stop: asyncio.Event, killed: asyncio.Event
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
        while not stop.is_set():
            method, url, headers = requests[i % len(requests)]
            i += 1
            try:
                if method == "GET":
                    response = await _get(client, url, headers, gw.internal, tally)
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
                target.append(f"{type(exc).__name__} {url} {exc} at {time.time():.3f}")


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], internal: str, tally: Tally
) -> httpx.Response:
    """A GET as the door's real client sends it. A process killed after nginx passed its header
    on cuts the answer off mid-body, and nginx cannot send that GET elsewhere any more (its
    client already has the header). On the internal door the client is a web process, which
    reads the answer whole and asks the GET again once: here too. The public door's client gets
    no second try: the web process's own must cover it."""
    try:
        return await client.get(url, headers=headers)
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        if not url.startswith(internal):
            raise
        tally.cut_gets.append(f"{url} {exc}")
        return await client.get(url, headers=headers)


def _passed_on_gets(gw: Gateway, api_addrs: set[str]) -> list[str]:
    """access.log lines of GETs nginx sent to an API process and then passed on to another."""
    lines = (gw.prefix / "logs" / "access.log").read_text().splitlines()
    return [
        line
        for line in lines
        if line.startswith("GET ")
        and line.split('"')[1].split(", ")[0] in api_addrs
        and ", " in line.split('"')[1]
    ]


def _cut_mid_body(error_log: list[str], method: str = "GET") -> set[str]:
    """nginx's connections whose upstream died after the header: "... while reading upstream"
    (before it, the line says "while reading response header", and nginx passes the GET on)."""
    return {
        line.split()[4]  # nginx's connection, *N
        for line in error_log
        if "server: coderunner-api" in line
        and f'request: "{method} ' in line
        and " while reading upstream, " in line
    }


@pytest.mark.timeout(1200)
async def test_one_api_killed_mid_load_fails_no_get(gateway: Gateway) -> None:
    gw = gateway
    async with httpx.AsyncClient(base_url=gw.internal, timeout=30) as client:
        learner = await register(client, f"gw-{secrets.token_hex(3)}", ageGroup="10-12")
    tally = Tally()
    killed, stop = asyncio.Event(), asyncio.Event()
    loaders = [
        asyncio.create_task(_load(gw, learner.token, tally, stop, killed)) for _ in range(CLIENTS)
    ]
    try:

        async def answered_before() -> bool:
            return sum(tally.gets.values()) >= GETS_BEFORE_KILL

        await wait_until(answered_before, "GETs before the kill", within_s=180)
        victim = gw.apis[0]
        assert victim.process is not None
        victim.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(victim.process.wait, 10)
        killed.set()

        api_addrs = {f"127.0.0.1:{p}" for p in _ports(gw)}

        # load on until enough GETs are answered and nginx has passed one on from the dead
        # process: one it had taken, else the first sent to it after its 5 s out of rotation
        async def answered_after() -> bool:
            if tally.get_errors:
                return True
            return tally.gets_after_kill >= GETS_AFTER_KILL and bool(_passed_on_gets(gw, api_addrs))

        await wait_until(answered_after, "GETs after the kill", within_s=180, every_s=0.5)
    finally:
        stop.set()
        await asyncio.gather(*loaders)

    log_lines = (gw.prefix / "logs" / "access.log").read_text().splitlines()
    upstreams = Counter(line.split('"')[1] for line in log_lines if '"' in line)
    retried_gets = [line for line in log_lines if line.startswith("GET") and ", " in line]
    replayed_posts = [line for line in log_lines if line.startswith("POST") and ", " in line]
    summary = (
        f"GET {dict(tally.gets)} after kill {tally.gets_after_kill}, POST {dict(tally.posts)}, "
        f"POST errors {len(tally.post_errors)}, GETs nginx retried {len(retried_gets)}, "
        f"GETs cut mid-body {len(tally.cut_gets)}, "
        f"upstreams {dict(upstreams)}"
    )
    print(summary)
    # every GET succeeded, before and after the kill
    assert tally.get_errors == [], summary + "\n" + "\n".join(tally.get_errors[:20])
    # nginx passed GETs on from the dead API process to the live one
    assert _passed_on_gets(gw, api_addrs), summary
    # an answer cut off mid-body (asked again above) only where nginx logged that the dead
    # process closed the connection after its header, never because nginx did not pass it on
    error_log = (gw.prefix / "logs" / "error.log").read_text().splitlines()
    assert len(tally.cut_gets) <= len(_cut_mid_body(error_log)), (
        summary + "\n" + "\n".join(tally.cut_gets) + "\n" + "\n".join(error_log[-20:])
    )
    assert sum(tally.gets.values()) >= GETS_BEFORE_KILL + GETS_AFTER_KILL, summary
    assert tally.gets_after_kill >= GETS_AFTER_KILL, summary
    # both API processes took traffic before one died
    assert api_addrs <= set(upstreams), summary
    # POSTs: accepted, or a status a client may retry; never sent to two processes by nginx
    # (a POST nginx could not complete is a 503 with Retry-After from its error page: no 502)
    assert set(tally.posts) <= {202, 503, 504}, summary
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
    # a POST whose answer the killed process had begun (nginx passed its 202 header on) reaches
    # the client cut short, and its job may exist: allowed only where nginx logged that cut
    assert len(tally.post_errors) <= len(_cut_mid_body(error_log, "POST")), (
        summary + "\n" + "\n".join(tally.post_errors) + "\n" + "\n".join(error_log[-20:])
    )
    lost_in_flight = sum(n for status, n in tally.posts.items() if status >= 500)
    lost_in_flight += len(tally.post_errors)
    assert tally.posts[202] <= jobs <= tally.posts[202] + lost_in_flight, (jobs, summary)
    for line in replayed_posts:  # passed on after a refused connection, not after a send
        assert line.split('"')[3].startswith("502, "), line
    assert all(p.alive() for p in [*gw.webs, gw.apis[1], gw.nginx])


def _ports(gw: Gateway) -> list[int]:
    return [int(p.args[p.args.index("--port") + 1]) for p in gw.apis]


@dataclass
class Answer:
    method: str
    url: str
    status: int  # 0: no HTTP answer at all
    retry_after: str | None
    during_restart: bool
    job_id: str | None = None


async def _steady_load(
    gw: Gateway, token: str, answers: list[Answer], stop: asyncio.Event, restarting: asyncio.Event
) -> None:
    """A client that keeps asking through both doors, as the web processes and browsers do."""
    bearer = {"Authorization": f"Bearer {token}"}
    cookie = {"Cookie": f"cr_session={token}"}
    csrf = secrets.token_urlsafe(32)
    form = {"Cookie": f"cr_session={token}; cr_csrf={csrf}", "X-CSRF-Token": csrf}
    requests: list[tuple[str, str, dict[str, str]]] = [
        ("GET", f"{gw.internal}/levels", bearer),
        ("GET", f"{gw.internal}/auth/me", bearer),
        ("POST", f"{gw.internal}/execution/run", bearer),
        ("GET", f"{gw.public}/levels/10-12", cookie),
        ("GET", f"{gw.public}/api/levels", cookie),
        (
            "POST",
            f"{gw.public}/api/execution/run",
            form,
        ),
    ]
    async with httpx.AsyncClient(timeout=60) as client:
        i = secrets.randbelow(len(requests))
        while not stop.is_set():
            method, url, headers = requests[i % len(requests)]
            i += 1
            during = restarting.is_set()
            try:
                if method == "GET":
                    response = await client.get(url, headers=headers)
                else:
                    response = await client.post(url, headers=headers, json={"code": "print(1)"})
            except httpx.HTTPError:
                answers.append(Answer(method, url, 0, None, during))
                continue
            job_id = response.json()["jobId"] if response.status_code == 202 else None
            answers.append(
                Answer(
                    method,
                    url,
                    response.status_code,
                    response.headers.get("retry-after"),
                    during,
                    job_id,
                )
            )


async def _back_in_rotation(gw: Gateway, port: int) -> None:
    """Until nginx's access log shows a request the process at `port` answered (again)."""
    log = gw.prefix / "logs" / "access.log"
    seen = len(log.read_text().splitlines())
    address = f'"127.0.0.1:{port}" "200"'

    async def answered() -> bool:
        return any(address in line for line in log.read_text().splitlines()[seen:])

    await wait_until(answered, f"nginx to send requests to :{port} again", within_s=60)


def _restart(process: Process, port: int) -> None:
    """What `systemctl restart coderunner-api@PORT` does: SIGTERM, wait, start, until ready."""
    assert process.process is not None
    process.process.send_signal(signal.SIGTERM)
    assert process.process.wait(60) == 0, process.log.read_text()[-4000:]
    process.start()
    _wait_http(f"http://127.0.0.1:{port}/health/ready", process)


async def _job_states(database: str) -> dict[str, str]:
    engine = create_async_engine(database)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(ExecutionJob.id, ExecutionJob.status))
            return {str(job_id): str(status) for job_id, status in rows}
    finally:
        await engine.dispose()


@pytest.mark.timeout(1800)
async def test_a_rolling_api_restart_behind_the_gateway_answers_no_502(
    gateway: Gateway, worker: Process
) -> None:
    """The upgrade procedure of docs/deploy.md under load: each API process in turn is stopped
    (SIGTERM), started again and waited for until ready, while clients keep sending GETs and
    POSTs through nginx and a worker runs the jobs. nginx holds or re-sends what it may (a
    refused connection, a timeout); what it may not re-send is answered 503 with
    Retry-After. Never a 502, never a dropped connection, never a job lost, stuck or run
    twice."""
    gw = gateway
    async with httpx.AsyncClient(base_url=gw.internal, timeout=30) as client:
        learner = await register(client, f"rs-{secrets.token_hex(3)}", ageGroup="10-12")
    answers: list[Answer] = []
    stop, restarting = asyncio.Event(), asyncio.Event()
    loaders = [
        asyncio.create_task(_steady_load(gw, learner.token, answers, stop, restarting))
        for _ in range(CLIENTS)
    ]
    try:
        await asyncio.sleep(2)
        for api_process, port in zip(gw.apis, _ports(gw), strict=True):
            restarting.set()
            await asyncio.to_thread(_restart, api_process, port)
            restarting.clear()
            # ready is not yet back in nginx's rotation: a process whose connection was refused
            # stays out for fail_timeout (5 s). docs/deploy.md waits that long after ready
            # before it stops the other one; here, until nginx sends it requests again
            await _back_in_rotation(gw, port)
    finally:
        stop.set()
        await asyncio.gather(*loaders)

    during = [a for a in answers if a.during_restart]
    summary = (
        f"{len(answers)} answers, {len(during)} during restarts: "
        f"{dict(Counter((a.method, a.status) for a in answers))}; during: "
        f"{dict(Counter((a.method, a.status) for a in during))}"
    )
    print(summary)
    assert len(during) >= 20, summary
    # every request got an HTTP answer, none a 502 (or any 5xx but a 503 that says when)
    dropped = [a for a in answers if a.status == 0]
    assert dropped == [], summary
    assert not [a for a in answers if a.status >= 500 and a.status != 503], summary
    # every refusal says when to try again: a 503, or a 429 of the edge's rate limit (these
    # clients send at once what a child would after Retry-After)
    refusals = [a for a in answers if a.status in (429, 503)]
    assert all(a.retry_after and int(a.retry_after) >= 1 for a in refusals), summary
    # reads: nginx sends them to the process that is up, else asks to wait (checked above);
    # some went through while each process restarted
    assert {a.status for a in answers if a.method == "GET"} <= {200, 429, 503}, summary
    assert any(a.status == 200 for a in during if a.method == "GET"), summary
    # runs: accepted, or asked to wait (a starting process, or nothing could take it)
    posts = Counter(a.status for a in answers if a.method == "POST")
    assert set(posts) <= {202, 429, 503}, summary
    assert posts[202] > 0, summary
    states = await _job_states(gw.database)
    # each accepted run is one job; a 503 may hide at most one that started (never two)
    assert posts[202] <= len(states) <= posts[202] + posts[503], (len(states), summary)
    accepted = {a.job_id for a in answers if a.status == 202}
    assert len(accepted) == posts[202], summary
    assert accepted <= set(states), f"accepted but not stored: {accepted - set(states)}"

    # none stuck: the worker finishes every stored job, those the restarts interrupted included
    # (a job committed but never queued is sent again by the sweeper)
    async def all_finished() -> bool:
        nonlocal states
        states = await _job_states(gw.database)
        return all(status in TERMINAL for status in states.values())

    await wait_until(all_finished, "every job to finish", within_s=300, every_s=1)
    assert set(states.values()) == {JobStatus.COMPLETED}, Counter(states.values())
    assert all(p.alive() for p in [*gw.apis, *gw.webs, gw.nginx, worker])
