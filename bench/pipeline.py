"""Pipeline benchmark: the whole execution path over HTTP against bare sandboxed Python.

    .venv/bin/python -m bench.pipeline [--rounds R] [--runs N] [--seconds S] [--submissions M]
                                       [--scaled] [--url URL] [--json]

Without --url it starts the product itself on free ports with a fresh data dir:
  embedded  `coderunner serve` (API + in-process workers, SQLite, in-process queue)
  --scaled  `coderunner api` + one `coderunner worker` process, PostgreSQL + Redis
with the throttles lifted (RATE_LIMIT_MAX_REQUESTS=1000000, EXECUTION_RATE_LIMIT=0,
SUBMISSION_RATE_LIMIT=0): it measures the machine, not the rate limits. Then R rounds (default
3), each of them, in this order:
  bare        `bwrap ... python3 -I -S -c pass` (bench/sandbox.py's BARE): N one at a time, and
              N two at once (runs/s)
  run c=1     POST /execution/run?wait=true {"code": "print(1)"}, N one at a time
  run c=8     the same from 8 learners in a loop: the runs that finish in an S-second window
              (default 10) opened after a 1 s warm-up: sustained runs/s and latency
  submit      POST /execution/submit?wait=true on a 10-test problem (created through the API), M
and prints each round's ratios against that round's bare figures, then the medians over rounds
(medians, p95, runs/s, ratios). With --url, pass an admin's credentials
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
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.env import REDIS_URL, delete_redis_keys, scratch_database
from tests.support.ports import free_port
from tests.support.serve import CODERUNNER, Processes

HERE = Path(__file__).resolve().parent
PASSWORD = "bench-password-12345"


def _sandbox_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_sandbox", HERE / "sandbox.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    prefix = f"bench-{secrets.token_hex(4)}"
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
        if scaled:
            env["DATABASE_URL"] = cleanup.enter_context(scratch_database("coderunner_bench"))
            env["REDIS_URL"] = REDIS_URL
            env["CODERUNNER_REDIS_PREFIX"] = prefix
            env["CODERUNNER_ENV"] = "development"
            cleanup.callback(delete_redis_keys, prefix)
        subprocess.run(
            [CODERUNNER, "create-admin", "--username", "benchadmin"],
            env=env,
            check=True,
            capture_output=True,
        )
        servers = Processes(tmp, env)
        cleanup.callback(servers.stop_all)
        if scaled:
            api = [CODERUNNER, "api", "--port", str(api_port)]
            servers.start("api", api, CODERUNNER_EMBEDDED_WORKERS="false")
            servers.start("worker", [CODERUNNER, "worker"])
            description = "scaled out: coderunner api + 1 coderunner worker, PostgreSQL + Redis"
        else:
            ports = ["--api-port", str(api_port), "--web-port", str(web_port)]
            servers.start("serve", [CODERUNNER, "serve", *ports])
            description = "embedded: coderunner serve (SQLite, in-process queue and workers)"
        url = f"http://127.0.0.1:{api_port}"
        servers.wait_until_answers(f"{url}/health")
        yield url, description


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


class Learners:
    """The benchmark's HTTP side: 8 learners, and the 10-test problem when an admin is given."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.headers: list[dict[str, str]] = []
        self.problem_id: str | None = None

    async def setup(self, admin: tuple[str, str] | None) -> None:
        tag = secrets.token_hex(3)
        self.headers = [await register(self.client, f"bench{tag}{i}") for i in range(8)]
        for _ in range(5):  # warm-up
            await timed_post(self.client, RUN, RUN_BODY, self.headers[0])
        if admin is not None:
            self.problem_id = await create_problem(self.client, await login(self.client, *admin))
            await timed_post(self.client, SUBMIT, self.submit_body(), self.headers[1])

    def submit_body(self) -> dict[str, Any]:
        return {"problemId": self.problem_id, "code": "print(int(input()) * 2)"}

    async def sequential(self, runs: int) -> list[float]:
        return [await timed_post(self.client, RUN, RUN_BODY, self.headers[0]) for _ in range(runs)]

    async def sustained(self, seconds: float, warmup_s: float = 1.0) -> dict[str, Any]:
        """8 learners in a loop: the runs that finish inside a `seconds` window, which opens
        once all 8 are busy (after a warm-up) and closes while they still are."""
        loop = asyncio.get_running_loop()
        window: list[float] = []
        opened = closed = 0.0
        stop = False

        async def learner(headers: dict[str, str]) -> None:
            while not stop:
                elapsed = await timed_post(self.client, RUN, RUN_BODY, headers)
                if opened <= loop.time() < closed:
                    window.append(elapsed)

        tasks = [asyncio.create_task(learner(h)) for h in self.headers]
        await asyncio.sleep(warmup_s)
        opened = loop.time()
        closed = opened + seconds
        await asyncio.sleep(seconds)
        stop = True
        await asyncio.gather(*tasks)
        return {**summary(window), "runsPerS": round(len(window) / seconds, 2)}

    async def submissions(self, count: int) -> list[float]:
        return [
            await timed_post(self.client, SUBMIT, self.submit_body(), self.headers[1])
            for _ in range(count)
        ]


RUN = "/execution/run?wait=true"
SUBMIT = "/execution/submit?wait=true"
RUN_BODY = {"code": "print(1)"}


async def measure_round(
    learners: Learners, runs: int, seconds: float, submissions: int
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "runC1": summary(await learners.sequential(runs)),
        "runC8": await learners.sustained(seconds),
    }
    if learners.problem_id is not None:
        result["submit10"] = summary(await learners.submissions(submissions))
    return result


def measure_bare(runs: int) -> dict[str, Any]:
    bench = _sandbox_bench()
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER, to reap the inits
    for _ in range(5):
        bench.bare_run()
    seq = bench.timed(bench.bare_run, runs)
    tput = bench.throughput(bench.bare_run, runs, 2)
    return {**summary(seq), "runsPerS": round(tput, 2)}


def ratios_of(bare: dict[str, Any], http: dict[str, Any]) -> dict[str, float]:
    ratios = {
        "throughputVsBare": round(http["runC8"]["runsPerS"] / bare["runsPerS"], 2),
        "runP50VsBare": round(http["runC1"]["medianMs"] / bare["medianMs"], 2),
    }
    if "submit10" in http:
        ratios["submit10P50VsBare"] = round(http["submit10"]["medianMs"] / bare["medianMs"], 2)
    return ratios


async def run_rounds(
    url: str, description: str, admin: tuple[str, str] | None, args: argparse.Namespace
) -> dict[str, Any]:
    """Bare and HTTP series alternate, `args.rounds` times; each round's ratios use the bare
    figures measured just before it, and the reported figures are the medians over rounds
    (the machine's speed drifts from one minute to the next)."""
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    rounds: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        learners = Learners(client)
        await learners.setup(admin)
        for _ in range(args.rounds):
            bare = await asyncio.to_thread(measure_bare, args.runs)
            http = await measure_round(learners, args.runs, args.seconds, args.submissions)
            rounds.append({"bare": bare, **http, "ratios": ratios_of(bare, http)})
    figures: dict[str, Any] = {"mode": description, "rounds": rounds}
    for key in ("bare", "runC1", "runC8", "submit10", "ratios"):
        if key in rounds[0]:
            figures[key] = {
                field: round(statistics.median(r[key][field] for r in rounds), 2)
                for field in rounds[0][key]
            }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="sequential runs per series")
    parser.add_argument("--seconds", type=float, default=10.0, help="the c=8 window per round")
    parser.add_argument("--submissions", type=int, default=15, help="submissions per round")
    parser.add_argument("--rounds", type=int, default=3, help="bare/HTTP rounds, alternating")
    parser.add_argument("--scaled", action="store_true", help="PostgreSQL + Redis + a worker")
    parser.add_argument("--url", help="benchmark this running API instead of starting one")
    parser.add_argument("--admin-user", default=os.environ.get("BENCH_ADMIN_USER"))
    parser.add_argument("--admin-password", default=os.environ.get("BENCH_ADMIN_PASSWORD"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def bench(url: str, description: str, admin: tuple[str, str] | None) -> dict[str, Any]:
        return asyncio.run(run_rounds(url, description, admin, args))

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
    for number, row in enumerate(figures["rounds"], 1):
        print(f"  round {number}: " + ", ".join(f"{k} {v}" for k, v in row["ratios"].items()))
    print("  medians over the rounds:")
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
