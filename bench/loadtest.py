"""`make loadtest`: a class of children (bench/locustfile.py) against a server of our own.

Starts the product on free ports on 127.0.0.1 (embedded `coderunner serve`, or with --scaled
`coderunner api` + `coderunner web` + one `coderunner worker` on PostgreSQL and Redis), runs
Locust headless for a bounded time, prints the percentiles per request and stops everything.

    .venv/bin/python -m bench.loadtest --users 30 --seconds 60 [--scaled]

The per-address request limit is lifted (a whole class shares one address); the per-user job
rate limits and caps stay at their defaults, as in a school.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.support.env import REDIS_URL, delete_redis_keys, scratch_database
from tests.support.ports import free_port
from tests.support.serve import CODERUNNER, Processes

HERE = Path(__file__).resolve().parent
LOCUST = str(Path(sys.executable).with_name("locust"))


@contextmanager
def server(scaled: bool) -> Iterator[tuple[str, Path]]:
    """Start the product; yield the web origin and the directory of its logs."""
    tmp = Path(tempfile.mkdtemp(prefix="coderunner-load-"))
    api_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "CODERUNNER_DATA_DIR": str(tmp / "data"),
        "RATE_LIMIT_MAX_REQUESTS": "1000000",
        "LOG_LEVEL": "warning",
        "CODERUNNER_API_URL": f"http://127.0.0.1:{api_port}",
        "CODERUNNER_TRUSTED_PROXIES": "127.0.0.1/32",
    }
    prefix = f"load-{secrets.token_hex(4)}"
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
        servers = Processes(tmp, env)
        if scaled:
            servers.env["DATABASE_URL"] = cleanup.enter_context(scratch_database("coderunner_load"))
            servers.env["REDIS_URL"] = REDIS_URL
            servers.env["CODERUNNER_REDIS_PREFIX"] = prefix
            cleanup.callback(delete_redis_keys, prefix)
            subprocess.run(
                [CODERUNNER, "migrate"], env=servers.env, check=True, capture_output=True
            )
        cleanup.callback(servers.stop_all)
        if scaled:
            api = [CODERUNNER, "api", "--port", str(api_port)]
            servers.start("api", api, CODERUNNER_EMBEDDED_WORKERS="false")
            servers.start("worker", [CODERUNNER, "worker"])
            servers.start("web", [CODERUNNER, "web", "--port", str(web_port)])
        else:
            ports = ["--api-port", str(api_port), "--web-port", str(web_port)]
            servers.start("serve", [CODERUNNER, "serve", *ports])
        # a class's server may start slowly on a loaded machine: the default generous deadline
        servers.wait_until_answers(f"http://127.0.0.1:{api_port}/health")
        servers.wait_until_answers(f"http://127.0.0.1:{web_port}/login")
        yield f"http://127.0.0.1:{web_port}", tmp


def report(stats_csv: Path) -> int:
    """Print the percentiles per request; the number of failed requests is the exit status."""
    rows = list(csv.DictReader(stats_csv.open()))
    print(
        f"{'type':5} {'name':28} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'max':>6} {'req/s':>6}"
    )
    failures = 0
    for row in rows:
        failures += int(row["Failure Count"]) if row["Name"] == "Aggregated" else 0
        print(
            f"{row['Type'][:5]:5} {row['Name'][:28]:28} {row['Request Count']:>6} "
            f"{row['Failure Count']:>5} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6} "
            f"{float(row['Max Response Time']):>6.0f} {float(row['Requests/s']):>6.1f}"
        )
    print("times in ms")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--spawn-rate", type=float, default=1, help="children arriving per second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--scaled", action="store_true", help="PostgreSQL + Redis + a worker")
    args = parser.parse_args()
    with server(args.scaled) as (origin, logs), tempfile.TemporaryDirectory() as out:
        prefix = Path(out) / "load"
        mode = "scaled out (api + web + 1 worker, PostgreSQL, Redis)" if args.scaled else "embedded"
        print(f"{mode}: {args.users} children for {args.seconds} s against {origin}", flush=True)
        result = subprocess.run(
            [
                LOCUST, "-f", str(HERE / "locustfile.py"), "--headless", "--host", origin,
                "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
                "--run-time", f"{args.seconds}s", "--stop-timeout", "30",
                "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
            ],
            check=False,
            capture_output=True,
            text=True,
        )  # fmt: skip
        if not Path(f"{prefix}_stats.csv").exists():
            print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
            return 2
        failures = report(Path(f"{prefix}_stats.csv"))
        failures_csv = Path(f"{prefix}_failures.csv")
        if failures_csv.exists():
            for row in csv.DictReader(failures_csv.open()):
                print(f"  failed {row['Occurrences']}x {row['Method']} {row['Name']}: "
                      f"{row['Error'][:160]}")  # fmt: skip
        print(f"failed requests: {failures}")
        if failures:
            kept = (
                HERE.parent / "test-results" / f"loadtest-{'scaled' if args.scaled else 'embedded'}"
            )
            shutil.rmtree(kept, ignore_errors=True)
            kept.mkdir(parents=True)
            for log in logs.glob("*.log"):
                shutil.copy(log, kept / log.name)
            print(f"server logs kept in {kept}")
        return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
