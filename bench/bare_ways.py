"""Why the pipeline benchmark's two bare baselines differ: three ways to start the same bare run.

    .venv/bin/python -m bench.bare_ways [--runs N] [--rounds R]

From this process (which imports the pipeline benchmark, so it is as large as that one), in turn,
R rounds (default 3) of N runs one at a time and N two at once (default 60) each:
  outside    bench/outside.py: a small standard-library process starts the runs
  plain      this process, `subprocess.run` from two threads
  subreaper  this process as subreaper, bench/sandbox.py's `bare_run` (it polls `waitpid` and
             scans /proc for bwrap's init): the pipeline benchmark's inside baseline
and prints each way's medians: p50, runs/s two at once, the launching process's CPU per run.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import statistics
import subprocess
from collections.abc import Callable
from typing import Any

from bench.pipeline import _sandbox_bench, outside

PR_SET_CHILD_SUBREAPER = 36


def own_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def in_process(run: Callable[[], None], runs: int) -> tuple[float, float, float]:
    bench = _sandbox_bench()
    cpu = own_cpu_ms()
    p50 = statistics.median(bench.timed(run, runs))
    per_s = bench.throughput(run, runs, 2)
    return p50, per_s, (own_cpu_ms() - cpu) / (2 * runs)


def reap_all() -> None:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bench = _sandbox_bench()
    argv = [*bench.BARE[:-1], "print(1)"]

    def plain() -> None:
        subprocess.run(argv, stdout=subprocess.PIPE, check=True)

    libc = ctypes.CDLL(None)
    ways: dict[str, list[tuple[float, float, float]]] = {}
    for _ in range(args.rounds):
        small: dict[str, Any] = outside(
            "bare", "--argv-json", json.dumps(argv), "--runs", str(args.runs)
        )
        ways.setdefault("outside (a small process)", []).append(
            (
                statistics.median(small["samples"]),
                small["runsPerS"],
                small["cpuMs"] / (2 * args.runs + 5),
            )
        )
        ways.setdefault("plain subprocess.run from here", []).append(in_process(plain, args.runs))
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        ways.setdefault("subreaper, bare_run (inside baseline)", []).append(
            in_process(bench.bare_run, args.runs)
        )
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        reap_all()
    for name, rows in ways.items():
        p50, per_s, cpu = (statistics.median(row[i] for row in rows) for i in range(3))
        print(
            f"{name:40s} p50 {p50:6.1f} ms, {per_s:6.1f} runs/s two at once, "
            f"{cpu:5.2f} ms CPU of the launcher per run; runs/s by round "
            f"{[round(row[1], 1) for row in rows]}"
        )
    print("load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
