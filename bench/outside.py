"""The outside way: measurements from a small separate process, standard library only.

    python -I -S bench/outside.py bare --argv-json '["bwrap", ...]' --runs N
    python -I -S bench/outside.py http --url URL --path P --body-json B --token T [--token T ...]
                                       (--runs N | --seconds S [--warmup W])

`bare` runs the command N times one at a time, then N times two at once (two threads pulling
from one counter), in this process and nothing else: no subreaper, no /proc scans, no event
loop beside it. `http` is a plain HTTP client: http.client, a new connection per request
(`Connection: close`), one thread per token (a learner each), default settings. With --runs
each learner sends N requests (--think-ms apart); with --seconds the learners loop and the
requests that finish inside an S-second window opened after a W-second warm-up are kept. Either
prints one JSON line: latencies in ms, runs/s, the count of everything sent and this process's
own CPU time.

`bench/pipeline.py` starts it as `python -I -S`, so it pays for no imports beyond the standard
library's and none of the benchmark's own (httpx, asyncio) CPU lands in the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import subprocess
import sys
import threading
import time
import urllib.parse
from typing import Any


def own_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def bare(argv: list[str], runs: int, expected: str) -> dict[str, Any]:
    def once() -> None:
        done = subprocess.run(argv, stdout=subprocess.PIPE, check=True)
        if done.stdout.decode() != expected:
            raise RuntimeError(f"unexpected output: {done.stdout!r}")

    for _ in range(5):  # warm the page cache and the interpreter's code paths
        once()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        once()
        samples.append((time.perf_counter() - started) * 1000)
    left = [runs]
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            once()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"samples": samples, "runsPerS": runs / elapsed, "cpuMs": own_cpu_ms()}


class Client:
    """POST one JSON body with a new connection each time; checks the finished job."""

    def __init__(self, url: str, path: str, body: bytes) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = path
        self.body = body

    def post(self, token: str) -> float:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Connection": "close",
        }
        started = time.perf_counter()
        while True:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                connection.request("POST", self.path, self.body, headers)
                response = connection.getresponse()
                data = response.read()
            finally:
                connection.close()
            if response.status in (429, 503):  # back-pressure: honour Retry-After
                time.sleep(float(response.getheader("Retry-After") or "1"))
                continue
            break
        elapsed = (time.perf_counter() - started) * 1000
        if response.getheader("X-Result-Reused"):
            raise RuntimeError(f"{self.path}: an earlier result was reused, nothing ran")
        job = json.loads(data)
        if response.status != 200 or job.get("status") != "completed":
            raise RuntimeError(f"{self.path}: {response.status} {data[:300]!r}")
        if job["type"] == "run" and job["result"]["stdout"] != "1\n":
            raise RuntimeError(f"unexpected output: {job['result']}")
        if job["type"] == "submit" and job["submissionResult"]["verdict"] != "ACCEPTED":
            raise RuntimeError(f"unexpected grading: {job['submissionResult']['verdict']}")
        return elapsed


def http_runs(client: Client, tokens: list[str], runs: int, think_s: float = 0.0) -> dict[str, Any]:
    """Each learner sends `runs` requests, one after the other, `think_s` apart."""
    samples: list[float] = []
    errors: list[BaseException] = []

    def learner(token: str) -> None:
        try:
            for _ in range(runs):
                time.sleep(think_s)
                samples.append(client.post(token))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    _together([threading.Thread(target=learner, args=(t,)) for t in tokens])
    if errors:
        raise errors[0]
    return {"samples": samples, "sent": len(samples), "cpuMs": own_cpu_ms()}


def http_window(client: Client, tokens: list[str], seconds: float, warmup: float) -> dict[str, Any]:
    """The learners loop; the requests that finish inside the window are kept."""
    samples: list[float] = []
    errors: list[BaseException] = []
    sent = [0]
    lock = threading.Lock()
    opened = time.monotonic() + warmup
    closed = opened + seconds

    def learner(token: str) -> None:
        try:
            while time.monotonic() < closed:
                elapsed = client.post(token)
                with lock:
                    sent[0] += 1
                if opened <= time.monotonic() < closed:
                    samples.append(elapsed)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    _together([threading.Thread(target=learner, args=(t,)) for t in tokens])
    if errors:
        raise errors[0]
    return {
        "samples": samples,
        "runsPerS": len(samples) / seconds,
        "sent": sent[0],
        "cpuMs": own_cpu_ms(),
    }


def _together(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    bare_mode = modes.add_parser("bare")
    bare_mode.add_argument("--argv-json", required=True)
    bare_mode.add_argument("--expect", default="1\n")
    bare_mode.add_argument("--runs", type=int, required=True)
    http_mode = modes.add_parser("http")
    http_mode.add_argument("--url", required=True)
    http_mode.add_argument("--path", required=True)
    http_mode.add_argument("--body-json", required=True)
    http_mode.add_argument("--token", action="append", required=True)
    http_mode.add_argument("--runs", type=int)
    http_mode.add_argument("--seconds", type=float)
    http_mode.add_argument("--warmup", type=float, default=1.0)
    http_mode.add_argument("--think-ms", type=float, default=0.0, help="pause before each (--runs)")
    args = parser.parse_args()
    if args.mode == "bare":
        figures = bare(json.loads(args.argv_json), args.runs, args.expect)
    else:
        client = Client(args.url, args.path, args.body_json.encode())
        if args.seconds is not None:
            figures = http_window(client, args.token, args.seconds, args.warmup)
        else:
            figures = http_runs(client, args.token, args.runs or 1, args.think_ms / 1000)
    json.dump(figures, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
