"""Pipeline benchmark: the whole execution path over HTTP against bare sandboxed Python.

    .venv/bin/python bench/pipeline.py [--runs N] [--scaled] [--url URL] [--json]

Without --url it starts the product itself on free ports with a fresh data dir:
  embedded  `coderunner serve` (API + in-process workers, SQLite, in-process queue)
  --scaled  `coderunner api` + one `coderunner worker` process, PostgreSQL + Redis
with the throttles lifted (RATE_LIMIT_MAX_REQUESTS=1000000, EXECUTION_RATE_LIMIT=0,
SUBMISSION_RATE_LIMIT=0): it measures the machine, not the rate limits. Then, in the same run:
  bare        `bwrap ... python3 -I -S -c pass` (bench/sandbox.py's BARE), sequential and 2 at once
  run c=1     POST /execution/run?wait=true {"code": "print(1)"}, one at a time
  run c=8     the same from 8 learners at once: throughput and latency
  submit      POST /execution/submit?wait=true on a 10-test problem (created through the API)
and prints medians, p95, runs/s and the issue's ratios. With --url, pass an admin's credentials
(--admin-user/--admin-password) to create the 10-test problem, else that part is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import importlib.util
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from redis import Redis

HERE = Path(__file__).resolve().parent
CODERUNNER = str(Path(sys.executable).with_name("coderunner"))
PASSWORD = "bench-password-12345"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/4"


def _sandbox_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_sandbox", HERE / "sandbox.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "medianMs": round(statistics.median(samples), 1),
        "p95Ms": round(pct(samples, 0.95), 1),
    }


# servers ------------------------------------------------------------------------------------


def _wait_http(url: str, procs: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for proc, log in zip(procs, logs, strict=True):
            if proc.poll() is not None:
                raise SystemExit(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become healthy in 120 s")


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, capture_output=True)


@contextmanager
def start_server(scaled: bool) -> Iterator[tuple[str, str]]:
    """Start the product; yields (api url, description)."""
    tmp = Path(tempfile.mkdtemp(prefix="coderunner-bench-"))
    api_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "CODERUNNER_DATA_DIR": str(tmp / "data"),
        "RATE_LIMIT_MAX_REQUESTS": "1000000",
        "EXECUTION_RATE_LIMIT": "0",
        "SUBMISSION_RATE_LIMIT": "0",
        "LOG_LEVEL": "warning",
        "CODERUNNER_ADMIN_PASSWORD": PASSWORD,
    }
    database = f"coderunner_bench_{secrets.token_hex(4)}"
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []

    def spawn(name: str, argv: list[str], extra: dict[str, str] | None = None) -> None:
        log = tmp / f"{name}.log"
        logs.append(log)
        procs.append(
            subprocess.Popen(
                argv, env={**env, **(extra or {})}, stdout=log.open("wb"), stderr=subprocess.STDOUT
            )
        )

    try:
        if scaled:
            _psql(f'CREATE DATABASE "{database}"')
            env["DATABASE_URL"] = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
            env["REDIS_URL"] = REDIS_URL
            env["CODERUNNER_REDIS_PREFIX"] = f"bench-{secrets.token_hex(4)}"
            env["CODERUNNER_ENV"] = "development"
        subprocess.run(
            [CODERUNNER, "create-admin", "--username", "benchadmin"],
            env=env,
            check=True,
            capture_output=True,
        )
        if scaled:
            spawn(
                "api",
                [CODERUNNER, "api", "--port", str(api_port)],
                {"CODERUNNER_EMBEDDED_WORKERS": "false"},
            )
            spawn("worker", [CODERUNNER, "worker"])
            description = "scaled out: coderunner api + 1 coderunner worker, PostgreSQL + Redis"
        else:
            spawn(
                "serve",
                [CODERUNNER, "serve", "--api-port", str(api_port), "--web-port", str(web_port)],
            )
            description = "embedded: coderunner serve (SQLite, in-process queue and workers)"
        url = f"http://127.0.0.1:{api_port}"
        _wait_http(url, procs, logs)
        yield url, description
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if scaled:
            _psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            prefix = env.get("CODERUNNER_REDIS_PREFIX")
            if prefix:
                with Redis.from_url(REDIS_URL) as redis:
                    keys = list(redis.scan_iter(match=f"{prefix}*"))
                    if keys:
                        redis.delete(*keys)
        shutil.rmtree(tmp, ignore_errors=True)


# HTTP measurements ---------------------------------------------------------------------------


async def register(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    response = await client.post(
        "/auth/register", json={"username": name, "password": PASSWORD, "ageGroup": "10-12"}
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def login(client: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await client.post("/auth/login", json={"username": username, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def timed_post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> float:
    started = time.perf_counter()
    while True:
        response = await client.post(path, json=body, headers=headers)
        if response.status_code in (429, 503):  # back-pressure: honour Retry-After
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        break
    elapsed = (time.perf_counter() - started) * 1000
    job = response.json()
    if response.status_code != 200 or job.get("status") != "completed":
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
    if job["type"] == "run" and job["result"]["stdout"] != "1\n":
        raise RuntimeError(f"unexpected output: {job['result']}")
    if job["type"] == "submit" and job["submissionResult"]["verdict"] != "ACCEPTED":
        raise RuntimeError(f"unexpected grading: {job['submissionResult']['verdict']}")
    return elapsed


async def create_problem(client: httpx.AsyncClient, admin: dict[str, str]) -> str:
    problem_id = f"bench-double-{secrets.token_hex(3)}"
    level = {"ageGroup": "10-12", "number": 99, "title": "Bench", "concepts": ["bench"]}
    await client.post("/levels", json=level, headers=admin)
    tests = [
        {"name": f"t{i}", "input": str(i), "expectedOutput": str(2 * i), "hidden": i >= 5}
        for i in range(10)
    ]
    body = {
        "id": problem_id,
        "title": "Double it",
        "ageGroup": "10-12",
        "levelNumber": 99,
        "order": 1,
        "statement": "Print twice the number.",
        "xp": 1,
        "tests": tests,
        "referenceSolution": "print(int(input()) * 2)",
    }
    response = await client.post("/problems", json=body, headers=admin)
    response.raise_for_status()
    return problem_id


async def measure_http(
    url: str, runs: int, submissions: int, admin: tuple[str, str] | None
) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        tag = secrets.token_hex(3)
        learners = [await register(client, f"bench{tag}{i}") for i in range(8)]
        run_body = {"code": "print(1)"}
        for _ in range(5):  # warm-up
            await timed_post(client, "/execution/run?wait=true", run_body, learners[0])
        seq = [
            await timed_post(client, "/execution/run?wait=true", run_body, learners[0])
            for _ in range(runs)
        ]

        async def learner_loop(headers: dict[str, str], count: int) -> list[float]:
            return [
                await timed_post(client, "/execution/run?wait=true", run_body, headers)
                for _ in range(count)
            ]

        per_learner = max(1, runs // 8) * 2
        started = time.perf_counter()
        parts = await asyncio.gather(*(learner_loop(h, per_learner) for h in learners))
        wall = time.perf_counter() - started
        c8 = [x for part in parts for x in part]
        result: dict[str, Any] = {
            "runC1": summary(seq),
            "runC8": {**summary(c8), "runsPerS": round(len(c8) / wall, 2)},
        }
        if admin is not None:
            admin_headers = await login(client, *admin)
            problem_id = await create_problem(client, admin_headers)
            body = {"problemId": problem_id, "code": "print(int(input()) * 2)"}
            await timed_post(client, "/execution/submit?wait=true", body, learners[1])
            subs = [
                await timed_post(client, "/execution/submit?wait=true", body, learners[1])
                for _ in range(submissions)
            ]
            result["submit10"] = summary(subs)
        return result


def measure_bare(runs: int) -> dict[str, Any]:
    bench = _sandbox_bench()
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER, to reap the inits
    for _ in range(5):
        bench.bare_run()
    seq = bench.timed(bench.bare_run, runs)
    tput = bench.throughput(bench.bare_run, runs, 2)
    return {**summary(seq), "runsPerS": round(tput, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="trivial runs per series")
    parser.add_argument("--submissions", type=int, default=15)
    parser.add_argument("--scaled", action="store_true", help="PostgreSQL + Redis + a worker")
    parser.add_argument("--url", help="benchmark this running API instead of starting one")
    parser.add_argument("--admin-user", default=os.environ.get("BENCH_ADMIN_USER"))
    parser.add_argument("--admin-password", default=os.environ.get("BENCH_ADMIN_PASSWORD"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def bench(url: str, description: str, admin: tuple[str, str] | None) -> dict[str, Any]:
        bare_before = measure_bare(args.runs)
        http = asyncio.run(measure_http(url, args.runs, args.submissions, admin))
        bare_after = measure_bare(args.runs)
        # the bare figures bracket the HTTP ones: take the mean of both brackets
        bare = {
            k: round((bare_before[k] + bare_after[k]) / 2, 2)
            for k in ("medianMs", "p95Ms", "runsPerS")
        }
        figures: dict[str, Any] = {"mode": description, "bare": bare, **http}
        ratios = {
            "throughputVsBare": round(http["runC8"]["runsPerS"] / bare["runsPerS"], 2),
            "runP50VsBare": round(http["runC1"]["medianMs"] / bare["medianMs"], 2),
        }
        if "submit10" in http:
            ratios["submit10P50VsBare"] = round(http["submit10"]["medianMs"] / bare["medianMs"], 2)
        figures["ratios"] = ratios
        return figures

    if args.url:
        admin = (args.admin_user, args.admin_password) if args.admin_user else None
        figures = bench(args.url.rstrip("/"), f"running server at {args.url}", admin)
    else:
        with start_server(args.scaled) as (url, description):
            figures = bench(url, description, ("benchadmin", PASSWORD))
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(figures["mode"])
    bare = figures["bare"]
    print(
        f"  bare bwrap python3 -I -S -c pass: median {bare['medianMs']} ms, "
        f"p95 {bare['p95Ms']} ms, {bare['runsPerS']} runs/s (2 at once)"
    )
    for key, label in (("runC1", "run print(1), c=1"), ("runC8", "run print(1), c=8")):
        row = figures[key]
        extra = f", {row['runsPerS']} runs/s" if "runsPerS" in row else ""
        print(f"  {label}: median {row['medianMs']} ms, p95 {row['p95Ms']} ms{extra}")
    if "submit10" in figures:
        row = figures["submit10"]
        print(f"  submit, 10 tests: median {row['medianMs']} ms, p95 {row['p95Ms']} ms")
    ratios = figures["ratios"]
    print(
        f"  ratios: throughput {ratios['throughputVsBare']}x bare (target >= 0.6), "
        f"run p50 {ratios['runP50VsBare']}x bare (target <= 3)"
        + (
            f", 10-test submit p50 {ratios['submit10P50VsBare']}x bare (target <= 6)"
            if "submit10P50VsBare" in ratios
            else ""
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
