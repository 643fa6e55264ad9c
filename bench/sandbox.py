"""Sandbox benchmark: per-run overhead and throughput against bare bubblewrap, in one run.

    .venv/bin/python bench/sandbox.py [--runs N] [--pool-size N] [--json]

Measures, in the same process and the same minute:
  bare     `bwrap --unshare-all ... python3 -I -S -c pass` (namespaces only: no cgroup, no
           seccomp, no limits, no privilege drop) via subprocess
  sandbox  `Sandbox.run("pass")`: the full policy (cgroup, rlimits, seccomp, uid drop, output
           capture, verdict, teardown)
  pooled   the same `Sandbox.run("pass")` with the pre-warmed pool on (`--pool-size`, ADR 0014):
           back to back, so a run finds a ready sandbox only when the refill kept up; and
           each with the pool full first (runs that arrive with gaps, as learners' do); and a
           10-input graded batch with a harness ready and without the pool
each sequentially and with 2 in parallel, then checks that nothing was left behind: no process of
the sandbox uids, no run cgroup, no build dir, no extra mount. Needs root (cgroups).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from coderunner.sandbox import Sandbox, Verdict, build_sandbox

BARE = [
    "bwrap", "--unshare-all", "--die-with-parent",
    "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--proc", "/proc", "--dev", "/dev",
    "/usr/bin/python3", "-I", "-S", "-c", "pass",
]  # fmt: skip


def bare_run() -> None:
    subprocess.run(BARE, check=True, stdout=subprocess.DEVNULL)
    _reap_orphans()


def _reap_orphans() -> None:
    """bwrap's namespace init outlives bwrap by a moment; as subreaper we reap it (and count
    its CPU time, which includes the Python it ran)."""
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if not _orphans():
                return
            time.sleep(0.0002)


def _orphans() -> bool:
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rpartition(")")[2].split()
            if fields[1] == me and "bwrap" in stat.partition(")")[0]:
                return True
    return False


def cpu_ms_of(pid: int) -> float:
    """A process's own and its reaped children's CPU time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def self_cpu_ms(who: int) -> float:
    usage = resource.getrusage(who)
    return (usage.ru_utime + usage.ru_stime) * 1000


def cpu_per_run(fn: Callable[[], None], runs: int, spawner_pid: int | None) -> float:
    """CPU time (all processes of a run) per run: independent of other load on the machine."""
    before = self_cpu_ms(resource.RUSAGE_SELF) + self_cpu_ms(resource.RUSAGE_CHILDREN)
    before_spawner = cpu_ms_of(spawner_pid) if spawner_pid else 0.0
    for _ in range(runs):
        fn()
    after = self_cpu_ms(resource.RUSAGE_SELF) + self_cpu_ms(resource.RUSAGE_CHILDREN)
    after_spawner = cpu_ms_of(spawner_pid) if spawner_pid else 0.0
    return (after - before + after_spawner - before_spawner) / runs


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


def leftovers(uids: range, backend: object) -> dict[str, int]:
    procs = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
            procs += int(uid_line.split()[1]) in uids
    # our runs' groups only, under the sandbox's own parents: other services' runs come and go
    parents = [*getattr(backend, "parents", {}).values(), getattr(backend, "base", None)]
    cgroups = sum(
        1
        for parent in parents
        if isinstance(parent, Path)
        for child in parent.glob(f"run-{os.getpid()}-*")
    )
    return {
        "processes": procs,
        "cgroups": cgroups,
        "buildDirs": len(list(Path("/tmp").glob("coderunner-build-*"))),
        "mounts": Path("/proc/self/mountinfo").read_text().count("\n"),
    }


def batch_run_of(sandbox: Sandbox) -> Callable[[], None]:
    def batch_run() -> None:
        results = sandbox.run_batch("print(input())", "python", [str(i) for i in range(10)])
        if [r.stdout for r in results] != [f"{i}\n" for i in range(10)]:
            raise RuntimeError(results)

    return batch_run


def pooled_figures(
    sandbox: Sandbox, sandbox_run: Callable[[], None], bare_run: Callable[[], None], args: Any
) -> dict[str, Any]:
    """The same runs with the pool on, interleaved with bare runs again (the load drifts)."""
    batch_run = batch_run_of(sandbox)
    sandbox.start_pool(args.pool_size)
    pool = sandbox.pool
    assert pool is not None
    try:
        pool.wait_filled(60.0)
        bare_seq: list[float] = []
        pooled_seq: list[float] = []
        for _ in range(args.runs // 20):
            bare_seq += timed(bare_run, 20)
            pooled_seq += timed(sandbox_run, 20)
        handed, missed = pool.stats.handed_out, pool.stats.missed
        batch_pooled: list[float] = []  # a 10-input graded batch, a harness ready / none
        batch_plain: list[float] = []
        for _ in range(max(5, args.runs // 20)):
            pool.wait_filled(60.0)
            batch_pooled += timed(batch_run, 1)
            sandbox.pool = None  # the same process without its pool, for one batch
            try:
                batch_plain += timed(batch_run, 1)
            finally:
                sandbox.pool = pool
        ready_seq: list[float] = []  # each run with a ready sandbox waiting (runs with gaps)
        for _ in range(args.runs // 2):
            pool.wait_filled(60.0)
            ready_seq += timed(sandbox_run, 1)
        chunks = max(1, args.runs // 20)
        cpu = sum(cpu_per_run(sandbox_run, 10, sandbox.spawner.pid) for _ in range(chunks))
        bare_tput = throughput(bare_run, args.runs, 2)
        pooled_tput = throughput(sandbox_run, args.runs, 2)
        # two at once, pool off then on, in alternating rounds: one chunk each drifts too much
        rounds: list[tuple[float, float]] = []
        for _ in range(4):
            sandbox.stop_pool()
            plain = throughput(sandbox_run, max(20, args.runs // 2), 2)
            sandbox.start_pool(args.pool_size)
            assert sandbox.pool is not None
            sandbox.pool.wait_filled(60.0)
            rounds.append((plain, throughput(sandbox_run, max(20, args.runs // 2), 2)))
    finally:
        sandbox.stop_pool()
    return {
        "poolSize": args.pool_size,
        "pooledMedianMs": round(statistics.median(pooled_seq), 2),
        "pooledP95Ms": round(p95(pooled_seq), 2),
        "pooledOverheadRatio": round(
            statistics.median(pooled_seq) / statistics.median(bare_seq), 3
        ),
        "pooledHitRate": round(handed / max(1, handed + missed), 3),
        "pooledReadyMedianMs": round(statistics.median(ready_seq), 2),
        "pooledReadyP95Ms": round(p95(ready_seq), 2),
        "pooledReadyRatio": round(statistics.median(ready_seq) / statistics.median(bare_seq), 3),
        "batch10UnpooledMedianMs": round(statistics.median(batch_plain), 2),
        "batch10PooledMedianMs": round(statistics.median(batch_pooled), 2),
        "batch10PooledRatio": round(
            statistics.median(batch_pooled) / statistics.median(bare_seq), 3
        ),
        "pooledCpuPerRunMs": round(cpu / chunks, 2),
        "pooledRunsPerSecond2": round(pooled_tput, 1),
        "pooledThroughputRatio": round(pooled_tput / bare_tput, 3),
        "unpooledRoundsRunsPerSecond2": [round(plain, 1) for plain, _ in rounds],
        "pooledRoundsRunsPerSecond2": [round(pooled, 1) for _, pooled in rounds],
        "pooledVsUnpooledThroughput": round(
            statistics.median(p for _, p in rounds) / statistics.median(u for u, _ in rounds), 3
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pool-size", type=int, default=2, help="0: no pooled figures")
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

    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER, for bare runs' inits
    mounts_before = leftovers(sandbox.uids.uids, sandbox.cgroups)["mounts"]
    for _ in range(10):  # warm caches for both
        bare_run()
        sandbox_run()
    # interleave the measurements so drift on the machine hits both alike
    bare_seq: list[float] = []
    sandbox_seq: list[float] = []
    for _ in range(args.runs // 20):
        bare_seq += timed(bare_run, 20)
        sandbox_seq += timed(sandbox_run, 20)
    # CPU too in alternating chunks: on a shared machine the load of one minute is not the next's
    bare_cpu = sandbox_cpu = 0.0
    chunks = max(1, args.runs // 20)
    for _ in range(chunks):
        bare_cpu += cpu_per_run(bare_run, 10, None) / chunks
        sandbox_cpu += cpu_per_run(sandbox_run, 10, sandbox.spawner.pid) / chunks
    bare_tput = throughput(bare_run, args.runs, 2)
    sandbox_tput = throughput(sandbox_run, args.runs, 2)
    pooled = pooled_figures(sandbox, sandbox_run, bare_run, args) if args.pool_size else {}
    left = leftovers(sandbox.uids.uids, sandbox.cgroups)
    left["mounts"] -= mounts_before
    figures = {
        "runs": len(bare_seq),
        "bareMedianMs": round(statistics.median(bare_seq), 2),
        "bareP95Ms": round(p95(bare_seq), 2),
        "sandboxMedianMs": round(statistics.median(sandbox_seq), 2),
        "sandboxP95Ms": round(p95(sandbox_seq), 2),
        "overheadRatio": round(statistics.median(sandbox_seq) / statistics.median(bare_seq), 3),
        "bareCpuPerRunMs": round(bare_cpu, 2),
        "sandboxCpuPerRunMs": round(sandbox_cpu, 2),
        "cpuRatio": round(sandbox_cpu / bare_cpu, 3),
        "bareRunsPerSecond2": round(bare_tput, 1),
        "sandboxRunsPerSecond2": round(sandbox_tput, 1),
        "throughputRatio": round(sandbox_tput / bare_tput, 3),
        **pooled,
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
            f"CPU per run (all its processes): bare {figures['bareCpuPerRunMs']} ms, "
            f"sandbox {figures['sandboxCpuPerRunMs']} ms, ratio {figures['cpuRatio']}"
        )
        print(
            f"2 parallel: bare {figures['bareRunsPerSecond2']} runs/s, "
            f"sandbox {figures['sandboxRunsPerSecond2']} runs/s"
        )
        print(f"throughput ratio (target >= 0.8): {figures['throughputRatio']}")
        if pooled:
            print(
                f"pooled (size {args.pool_size}) median / p95: {pooled['pooledMedianMs']} / "
                f"{pooled['pooledP95Ms']} ms, ratio to bare {pooled['pooledOverheadRatio']}, "
                f"{pooled['pooledHitRate']:.0%} from the pool"
            )
            print(
                f"a 10-input batch: unpooled {pooled['batch10UnpooledMedianMs']} ms, a harness "
                f"ready {pooled['batch10PooledMedianMs']} ms ({pooled['batch10PooledRatio']}x "
                "bare's one run)"
            )
            print(
                f"pooled, a sandbox ready: {pooled['pooledReadyMedianMs']} / "
                f"{pooled['pooledReadyP95Ms']} ms, ratio to bare {pooled['pooledReadyRatio']}"
            )
            print(
                f"pooled CPU per run (with its refill): {pooled['pooledCpuPerRunMs']} ms; "
                f"2 parallel: {pooled['pooledRunsPerSecond2']} runs/s, "
                f"ratio to bare {pooled['pooledThroughputRatio']}"
            )
            print(
                f"2 at once, alternating rounds: unpooled {pooled['unpooledRoundsRunsPerSecond2']}"
                f", pooled {pooled['pooledRoundsRunsPerSecond2']} runs/s, median ratio "
                f"{pooled['pooledVsUnpooledThroughput']}"
            )
        print(f"left behind: {left}")
    return 0 if not any(left.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
