"""Sandbox benchmark: per-run overhead and throughput against bare bubblewrap, in one run.

    .venv/bin/python bench/sandbox.py [--runs N] [--json]

Measures, in the same process and the same minute:
  bare     `bwrap --unshare-all ... python3 -I -S -c pass` (namespaces only: no cgroup, no
           seccomp, no limits, no privilege drop) via subprocess
  sandbox  `Sandbox.run("pass")`: the full policy (cgroup, rlimits, seccomp, uid drop, output
           capture, verdict, teardown)
each sequentially and with 2 in parallel, then checks that nothing was left behind: no process of
the sandbox uid, no run cgroup, no build dir, no extra mount. Needs root (cgroups).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from coderunner.sandbox import Verdict, build_sandbox

BARE = [
    "bwrap", "--unshare-all", "--die-with-parent",
    "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--proc", "/proc", "--dev", "/dev",
    "/usr/bin/python3", "-I", "-S", "-c", "pass",
]  # fmt: skip


def bare_run() -> None:
    subprocess.run(BARE, check=True, stdout=subprocess.DEVNULL)


def timed(fn: Callable[[], None], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def throughput(fn: Callable[[], None], runs: int, workers: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: fn(), range(runs)))
    return runs / (time.perf_counter() - started)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def leftovers(uid: int) -> dict[str, int]:
    procs = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
            procs += int(uid_line.split()[1]) == uid
    cgroups = sum(
        1
        for parent in Path("/sys/fs/cgroup").rglob("coderunner-sandbox")
        for child in parent.iterdir()
        if child.name.startswith(f"run-{os.getpid()}-")
    )
    return {
        "processes": procs,
        "cgroups": cgroups,
        "buildDirs": len(list(Path("/tmp").glob("coderunner-build-*"))),
        "mounts": Path("/proc/self/mountinfo").read_text().count("\n"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sandbox = build_sandbox()
    check = sandbox.run("print('ok')")
    if check.verdict is not Verdict.OK:
        print(f"sandbox not working: {check}", file=sys.stderr)
        return 1

    def sandbox_run() -> None:
        result = sandbox.run("pass")
        if result.verdict is not Verdict.OK:
            raise RuntimeError(result)

    mounts_before = leftovers(sandbox.config.host_uid)["mounts"]
    for _ in range(10):  # warm caches for both
        bare_run()
        sandbox_run()
    # interleave the measurements so drift on the machine hits both alike
    bare_seq: list[float] = []
    sandbox_seq: list[float] = []
    for _ in range(args.runs // 20):
        bare_seq += timed(bare_run, 20)
        sandbox_seq += timed(sandbox_run, 20)
    bare_tput = throughput(bare_run, args.runs, 2)
    sandbox_tput = throughput(sandbox_run, args.runs, 2)
    left = leftovers(sandbox.config.host_uid)
    left["mounts"] -= mounts_before
    figures = {
        "runs": len(bare_seq),
        "bareMedianMs": round(statistics.median(bare_seq), 2),
        "bareP95Ms": round(p95(bare_seq), 2),
        "sandboxMedianMs": round(statistics.median(sandbox_seq), 2),
        "sandboxP95Ms": round(p95(sandbox_seq), 2),
        "overheadRatio": round(statistics.median(sandbox_seq) / statistics.median(bare_seq), 3),
        "bareRunsPerSecond2": round(bare_tput, 1),
        "sandboxRunsPerSecond2": round(sandbox_tput, 1),
        "throughputRatio": round(sandbox_tput / bare_tput, 3),
        "leftovers": left,
        "cgroups": sandbox.cgroups.describe(),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"runs per figure:            {figures['runs']}")
        print(f"bare bwrap  median / p95:   {figures['bareMedianMs']} / {figures['bareP95Ms']} ms")
        print(
            f"sandbox     median / p95:   {figures['sandboxMedianMs']} / "
            f"{figures['sandboxP95Ms']} ms"
        )
        print(f"overhead ratio (target <= 1.5): {figures['overheadRatio']}")
        print(
            f"2 parallel: bare {figures['bareRunsPerSecond2']} runs/s, "
            f"sandbox {figures['sandboxRunsPerSecond2']} runs/s"
        )
        print(f"throughput ratio (target >= 0.8): {figures['throughputRatio']}")
        print(f"left behind: {left}")
    return 0 if not any(left.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
