"""Pipeline benchmark: the whole execution path over HTTP against bare sandboxed Python.

    .venv/bin/python -m bench.pipeline [--rounds R] [--runs N] [--seconds S] [--submissions M]
                                       [--client both|inside|outside] [--scaled] [--url URL]
                                       [--pool-size N] [--think-ms T] [--json]

Without --url it starts the product itself on free ports with a fresh data dir:
  embedded  `coderunner serve` (API + in-process workers, SQLite, in-process queue)
  --scaled  `coderunner api` + one `coderunner worker` process, PostgreSQL + Redis
with the throttles lifted (RATE_LIMIT_MAX_REQUESTS=1000000, EXECUTION_RATE_LIMIT=0,
SUBMISSION_RATE_LIMIT=0) and every submission graded (CODERUNNER_RESUBMIT_WINDOW_S=0): it
measures the machine, not the rate limits nor the reuse of a result. Then R rounds (default
3), each of them, in this order:
  bare inside   `bwrap ... python3 -I -S -c pass` (bench/sandbox.py's BARE) from this process
                (a subreaper that scans /proc for bwrap's init): N one at a time, and N two at
                once (runs/s)
  bare outside  `bwrap ... python3 -I -S -c print(1)` from a small separate process
                (bench/outside.py under `python -I -S`): N one at a time, N two at once
  run c=1     POST /execution/run?wait=true {"code": "print(1)"}, N one at a time
  run c=8     the same from 8 learners in a loop: the runs that finish in an S-second window
              (default 10) opened after a 1 s warm-up: sustained runs/s and latency; and the
              server processes' own CPU time (not their children's) per job over the whole loop
  submit      POST /execution/submit?wait=true on a 10-test problem (created through the API), M
each HTTP series by two clients (--client): `inside`, this process's httpx with keep-alive
connections, and `outside`, bench/outside.py: http.client in a small separate process, a new
connection per request. Each round's ratios are every client's figures against both of that
round's bare baselines; then the medians over rounds. With --url, pass an admin's credentials
(--admin-user/--admin-password) to create the 10-test problem, else that part is skipped.

--pool-size N starts the server with N pre-warmed sandboxes (CODERUNNER_SANDBOX_POOL_SIZE, ADR
0014; it needs CODERUNNER_SANDBOX_UID_SLOTS >= 8 + N). --think-ms T pauses T ms before each
one-at-a-time run and submission: 0 sends them back to back (a cold pool: a run finds it empty
when the refill has not caught up), a few hundred ms leaves the pool time to refill (a warm pool,
as between a learner's clicks). The c=8 series never pauses.
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
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.env import REDIS_URL, delete_redis_keys, scratch_database
from tests.support.ports import free_port
from tests.support.serve import CODERUNNER, Processes

HERE = Path(__file__).resolve().parent
OUTSIDE = HERE / "outside.py"
PASSWORD = "bench-password-12345"
CLIENTS = ("inside", "outside")


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
def start_server(
    scaled: bool, pool_size: int | None = None
) -> Iterator[tuple[str, str, dict[str, int]]]:
    """Start the product; yields (api url, description, its processes' ids by name)."""
    tmp = Path(tempfile.mkdtemp(prefix="coderunner-bench-"))
    api_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "CODERUNNER_DATA_DIR": str(tmp / "data"),
        "RATE_LIMIT_MAX_REQUESTS": "1000000",
        "EXECUTION_RATE_LIMIT": "0",
        "SUBMISSION_RATE_LIMIT": "0",
        "CODERUNNER_RESUBMIT_WINDOW_S": "0",  # every submission graded, none reused
        "LOG_LEVEL": "warning",
        "CODERUNNER_ADMIN_PASSWORD": PASSWORD,
    }
    if pool_size is not None:  # else the environment's (default: off)
        env["CODERUNNER_SANDBOX_POOL_SIZE"] = str(pool_size)
    pool = env.get("CODERUNNER_SANDBOX_POOL_SIZE", "the default")
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
            description += f"; sandbox pool size {pool}"
        else:
            ports = ["--api-port", str(api_port), "--web-port", str(web_port)]
            servers.start("serve", [CODERUNNER, "serve", *ports])
            description = "embedded: coderunner serve (SQLite, in-process queue and workers)"
            description += f"; sandbox pool size {pool}"
        url = f"http://127.0.0.1:{api_port}"
        servers.wait_until_answers(f"{url}/health")
        pids = {Path(log).stem: process.pid for process, log in servers.started}
        yield url, description, pids


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
    if response.headers.get("X-Result-Reused"):
        raise RuntimeError(
            f"{path}: an earlier result was reused; set CODERUNNER_RESUBMIT_WINDOW_S=0"
        )
    job = response.json()
    if response.status_code != 200 or job.get("status") != "completed":
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
    if job["type"] == "run" and job["result"]["stdout"] != "1\n":
        raise RuntimeError(f"unexpected output: {job['result']}")
    if job["type"] == "submit" and job["submissionResult"]["verdict"] != "ACCEPTED":
        raise RuntimeError(f"unexpected grading: {job['submissionResult']['verdict']}")
    return elapsed


async def create_problem(client: httpx.AsyncClient, admin: dict[str, str]) -> str:
    """A 10-test problem in level 1, open to every learner (a level of its own would be locked
    behind the curriculum's levels)."""
    problem_id = f"bench-double-{secrets.token_hex(3)}"
    tests = [
        {"name": f"t{i}", "input": str(i), "expectedOutput": str(2 * i), "hidden": i >= 5}
        for i in range(10)
    ]
    body = {
        "id": problem_id,
        "title": "Double it",
        "ageGroup": "10-12",
        "levelNumber": 1,
        "order": 99999,
        "statement": "Print twice the number.",
        "xp": 1,
        "tests": tests,
        "referenceSolution": "print(int(input()) * 2)",
    }
    response = await client.post("/problems", json=body, headers=admin)
    response.raise_for_status()
    return problem_id


class Learners:
    """The inside client: 8 learners on this process's httpx (keep-alive connections), and the
    10-test problem when an admin is given."""

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

    @property
    def tokens(self) -> list[str]:
        return [h["Authorization"].removeprefix("Bearer ") for h in self.headers]

    def submit_body(self) -> dict[str, Any]:
        return {"problemId": self.problem_id, "code": "print(int(input()) * 2)"}

    think_s = 0.0  # a pause before each one-at-a-time run and submission (--think-ms)

    async def _after_thinking(self, path: str, body: dict[str, Any], index: int) -> float:
        await asyncio.sleep(self.think_s)
        return await timed_post(self.client, path, body, self.headers[index])

    async def sequential(self, runs: int) -> list[float]:
        return [await self._after_thinking(RUN, RUN_BODY, 0) for _ in range(runs)]

    async def sustained(self, seconds: float, warmup_s: float = 1.0) -> tuple[list[float], int]:
        """8 learners in a loop: the latencies of the runs that finish inside a `seconds`
        window, which opens once all 8 are busy (after a warm-up) and closes while they still
        are; and how many runs finished in all."""
        loop = asyncio.get_running_loop()
        window: list[float] = []
        opened = closed = 0.0
        stop = False
        sent = 0

        async def learner(headers: dict[str, str]) -> None:
            nonlocal sent
            while not stop:
                elapsed = await timed_post(self.client, RUN, RUN_BODY, headers)
                sent += 1
                if opened <= loop.time() < closed:
                    window.append(elapsed)

        tasks = [asyncio.create_task(learner(h)) for h in self.headers]
        await asyncio.sleep(warmup_s)
        opened = loop.time()
        closed = opened + seconds
        await asyncio.sleep(seconds)
        stop = True
        await asyncio.gather(*tasks)
        return window, sent

    async def submissions(self, count: int) -> list[float]:
        return [await self._after_thinking(SUBMIT, self.submit_body(), 1) for _ in range(count)]


def outside(*args: str) -> dict[str, Any]:
    """Run bench/outside.py in a small process of its own (standard library only)."""
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(OUTSIDE), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench/outside.py {args[0]} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


class OutsideLearners:
    """The outside client: the same learners and requests through bench/outside.py (a plain
    http.client in a small separate process, a new connection per request)."""

    def __init__(self, url: str, learners: Learners) -> None:
        self.url = url
        self.learners = learners

    def _post(self, path: str, body: dict[str, Any], tokens: Sequence[str], *more: str) -> Any:
        args = ["http", "--url", self.url, "--path", path, "--body-json", json.dumps(body)]
        for token in tokens:
            args += ["--token", token]
        args += ["--think-ms", str(self.learners.think_s * 1000)]
        return asyncio.to_thread(outside, *args, *more)

    async def sequential(self, runs: int) -> list[float]:
        tokens = self.learners.tokens[:1]
        figures = await self._post(RUN, RUN_BODY, tokens, "--runs", str(runs))
        samples: list[float] = figures["samples"]
        return samples

    async def sustained(self, seconds: float, warmup_s: float = 1.0) -> tuple[list[float], int]:
        more = ("--seconds", str(seconds), "--warmup", str(warmup_s))
        figures = await self._post(RUN, RUN_BODY, self.learners.tokens, *more)
        return figures["samples"], figures["sent"]

    async def submissions(self, count: int) -> list[float]:
        body = self.learners.submit_body()
        tokens = self.learners.tokens[1:2]
        figures = await self._post(SUBMIT, body, tokens, "--runs", str(count))
        samples: list[float] = figures["samples"]
        return samples


RUN = "/execution/run?wait=true"
SUBMIT = "/execution/submit?wait=true"
RUN_BODY = {"code": "print(1)"}


def own_cpu_ms(pid: int) -> float:
    """A process's own CPU time, all its threads (not its children's: the sandbox's launcher
    and the runs are those)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


async def measure_round(
    learners: Learners | OutsideLearners,
    runs: int,
    seconds: float,
    submissions: int,
    pids: dict[str, int],
    with_submit: bool,
) -> dict[str, Any]:
    result: dict[str, Any] = {"runC1": summary(await learners.sequential(runs))}
    before = {name: own_cpu_ms(pid) for name, pid in pids.items()}
    window, sent = await learners.sustained(seconds)
    after = {name: own_cpu_ms(pid) for name, pid in pids.items()}
    result["runC8"] = {**summary(window), "runsPerS": round(len(window) / seconds, 2)}
    if pids:  # the server's own CPU per job, each of its processes
        result["serverCpuMsPerJob"] = {
            name: round((after[name] - before[name]) / sent, 2) for name in pids
        }
    if with_submit:
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


def measure_bare_outside(runs: int) -> dict[str, Any]:
    argv = [*_sandbox_bench().BARE[:-1], "print(1)"]
    figures = outside("bare", "--argv-json", json.dumps(argv), "--runs", str(runs))
    return {**summary(figures["samples"]), "runsPerS": round(figures["runsPerS"], 2)}


BASELINES = {"inside": "bareInside", "outside": "bareOutside"}


def ratios_of(bare: dict[str, Any], http: dict[str, Any]) -> dict[str, float]:
    ratios = {
        "throughputVsBare": round(http["runC8"]["runsPerS"] / bare["runsPerS"], 2),
        "runP50VsBare": round(http["runC1"]["medianMs"] / bare["medianMs"], 2),
    }
    if "submit10" in http:
        ratios["submit10P50VsBare"] = round(http["submit10"]["medianMs"] / bare["medianMs"], 2)
    return ratios


def medians(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Field by field, the median over rounds (nested dicts alike)."""
    first = rows[0]
    out: dict[str, Any] = {}
    for field, value in first.items():
        if isinstance(value, dict):
            out[field] = medians([row[field] for row in rows])
        else:
            out[field] = round(statistics.median(row[field] for row in rows), 2)
    return out


async def run_rounds(
    url: str,
    description: str,
    admin: tuple[str, str] | None,
    pids: dict[str, int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Bare and HTTP series alternate, `args.rounds` times; each round's ratios use the bare
    figures measured just before it, and the reported figures are the medians over rounds
    (the machine's speed drifts from one minute to the next)."""
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    clients = CLIENTS if args.client == "both" else (args.client,)
    rounds: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        learners = Learners(client)
        await learners.setup(admin)
        learners.think_s = args.think_ms / 1000
        by_client: dict[str, Learners | OutsideLearners] = {
            "inside": learners,
            "outside": OutsideLearners(url, learners),
        }
        with_submit = learners.problem_id is not None
        for _ in range(args.rounds):
            row: dict[str, Any] = {
                "bareInside": await asyncio.to_thread(measure_bare, args.runs),
                "bareOutside": await asyncio.to_thread(measure_bare_outside, args.runs),
            }
            for name in clients:
                row[name] = await measure_round(
                    by_client[name], args.runs, args.seconds, args.submissions, pids, with_submit
                )
            row["ratios"] = {
                f"{name}Client/{baseline}": ratios_of(row[baseline], row[name])
                for name in clients
                for baseline in BASELINES.values()
            }
            rounds.append(row)
    mode = f"{description}; {args.think_ms:g} ms between one-at-a-time requests"
    return {"mode": mode, "load": os.getloadavg(), "rounds": rounds, **medians(rounds)}


def show(figures: dict[str, Any]) -> None:
    print(figures["mode"])
    print("  load average at the end: " + " ".join(f"{x:.2f}" for x in figures["load"]))
    for number, row in enumerate(figures["rounds"], 1):
        for pair, ratios in row["ratios"].items():
            print(f"  round {number} {pair}: " + ", ".join(f"{k} {v}" for k, v in ratios.items()))
    print("  medians over the rounds:")
    for key, label in (
        ("bareInside", "bare, inside (this process, subreaper), python3 -I -S -c pass"),
        ("bareOutside", "bare, outside (a small process), python3 -I -S -c print(1)"),
    ):
        bare = figures[key]
        print(
            f"  {label}: median {bare['medianMs']} ms, p95 {bare['p95Ms']} ms, "
            f"{bare['runsPerS']} runs/s (2 at once)"
        )
    for name in CLIENTS:
        if name not in figures:
            continue
        http = figures[name]
        print(f"  {name} client:")
        for key, label in (("runC1", "run print(1), c=1"), ("runC8", "run print(1), c=8")):
            row = http[key]
            extra = f", {row['runsPerS']} runs/s" if "runsPerS" in row else ""
            print(f"    {label}: median {row['medianMs']} ms, p95 {row['p95Ms']} ms{extra}")
        if "serverCpuMsPerJob" in http:
            cpu = ", ".join(f"{k} {v} ms" for k, v in http["serverCpuMsPerJob"].items())
            print(f"    server CPU per job at c=8 (own, not the runs'): {cpu}")
        if "submit10" in http:
            row = http["submit10"]
            print(f"    submit, 10 tests: median {row['medianMs']} ms, p95 {row['p95Ms']} ms")
    for pair, ratios in figures["ratios"].items():
        print(
            f"  {pair}: throughput {ratios['throughputVsBare']}x bare (target >= 0.7), "
            f"run p50 {ratios['runP50VsBare']}x bare (target <= 1.5)"
            + (
                f", 10-test submit p50 {ratios['submit10P50VsBare']}x bare (target <= 4)"
                if "submit10P50VsBare" in ratios
                else ""
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="sequential runs per series")
    parser.add_argument("--seconds", type=float, default=10.0, help="the c=8 window per round")
    parser.add_argument("--submissions", type=int, default=15, help="submissions per round")
    parser.add_argument("--rounds", type=int, default=3, help="bare/HTTP rounds, alternating")
    parser.add_argument("--client", choices=("both", *CLIENTS), default="both")
    parser.add_argument("--scaled", action="store_true", help="PostgreSQL + Redis + a worker")
    parser.add_argument(
        "--pool-size",
        type=int,
        help="the server's CODERUNNER_SANDBOX_POOL_SIZE (pre-warmed sandboxes; 0 = off)",
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="pause before each one-at-a-time run and submission (the pool refills meanwhile)",
    )
    parser.add_argument("--url", help="benchmark this running API instead of starting one")
    parser.add_argument("--admin-user", default=os.environ.get("BENCH_ADMIN_USER"))
    parser.add_argument("--admin-password", default=os.environ.get("BENCH_ADMIN_PASSWORD"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def bench(
        url: str, description: str, admin: tuple[str, str] | None, pids: dict[str, int]
    ) -> dict[str, Any]:
        return asyncio.run(run_rounds(url, description, admin, pids, args))

    if args.url and args.pool_size is not None:
        parser.error("--pool-size sets up a server this benchmark starts; not with --url")
    if args.url:
        admin = (args.admin_user, args.admin_password) if args.admin_user else None
        figures = bench(args.url.rstrip("/"), f"running server at {args.url}", admin, {})
    else:
        with start_server(args.scaled, args.pool_size) as (url, description, pids):
            figures = bench(url, description, ("benchadmin", PASSWORD), pids)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        show(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
