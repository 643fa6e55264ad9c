"""Per-language benchmark: each language's sandboxed run against its own bare bubblewrap run.

    .venv/bin/python bench/languages.py [--runs N] [--java-runs N] [--no-pool] [--json]

For each enabled language, in the same process, interleaved:
  bare     bubblewrap with namespaces only (no cgroup, seccomp, rlimits or uid drop), the
           language's own mounts and the very argv of `languages.yaml` (for Java: the javac
           step into a build dir, then the java step), on a trivial program
  sandbox  `Sandbox.run(trivial program, language)`: the whole policy, compile step included
  pooled   the same run when a pre-warmed sandbox (ADR 0014) of the language is ready (for
           Java one for its build step and one for its run): a second Sandbox whose pool keeps
           one of each kind, on the other half of the uids; only the run is
           timed, never the wait for the refill (languages the pool cannot hand a run to have
           no pooled figure)
  graded   for a language whose graded inputs can take pooled sandboxes (no batch harness,
           JavaScript): `run_batch` of 10 inputs, unpooled and with a pool of the service's
           size (CODERUNNER_SANDBOX_POOL_SIZE) full at its start, interleaved
Median and p95 one at a time, runs per second two at once (bare and sandbox). For Java it also
times the JVM's start-up with the flags we use against a plain `java -cp`, and with class data
sharing off. Needs root (cgroups).
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from coderunner.sandbox import Language, Sandbox, SandboxConfig, Verdict, build_sandbox
from coderunner.sandbox.bwrap import SANDBOX_ENV

TRIVIAL = {
    "python": "pass\n",
    "javascript": "\n",
    "java": "public class Main { public static void main(String[] a) { } }\n",
}


def bare_argv(
    lang: Language, source_dir: str, build_dir: str | None, command: list[str]
) -> list[str]:
    argv = ["bwrap", "--unshare-all", "--die-with-parent", "--clearenv"]
    for key, value in SANDBOX_ENV.items():  # the sandbox's environment, not the host's
        argv += ["--setenv", key, value]
    for mount in lang.present_mounts():
        if mount.source == mount.target and Path(mount.source).is_symlink():
            argv += ["--symlink", str(Path(mount.source).readlink()), mount.target]
        else:
            argv += ["--ro-bind", mount.source, mount.target]
    argv += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--ro-bind",
        source_dir,
        "/sandbox",
    ]
    if build_dir is not None:
        argv += ["--bind", build_dir, "/build"]
    return [*argv, "--chdir", "/tmp", *command]


def _bare(command: list[str]) -> list[str]:
    """The interpreter on the learner's file, without our in-sandbox wrapper (boot.py)."""
    return [arg for arg in command if not arg.startswith("/usr/lib/coderunner/")]


def bare_runner(lang: Language, code: str) -> tuple[Callable[[], None], Callable[[], None]]:
    source_dir = tempfile.mkdtemp(prefix="bench-src-")
    Path(source_dir, lang.file_name).write_text(code)

    def run() -> None:
        build = tempfile.mkdtemp(prefix="bench-build-") if lang.compile else None
        try:
            if lang.compile is not None:
                subprocess.run(bare_argv(lang, source_dir, build, lang.argv(lang.compile)),
                               check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            subprocess.run(bare_argv(lang, source_dir, build, _bare(lang.argv(lang.run))),
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        finally:
            if build is not None:
                shutil.rmtree(build, ignore_errors=True)

    return run, lambda: shutil.rmtree(source_dir, ignore_errors=True)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def throughput(fn: Callable[[], None], runs: int, workers: int = 2) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: fn(), range(runs)))
    return runs / (time.perf_counter() - started)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


def java_startup(lang: Language, runs: int) -> dict[str, float]:
    """Median ms of the JVM running an empty Main (compiled once), by flag set, bare bwrap."""
    source_dir = tempfile.mkdtemp(prefix="bench-src-")
    build = tempfile.mkdtemp(prefix="bench-build-")
    try:
        Path(source_dir, lang.file_name).write_text(TRIVIAL["java"])
        assert lang.compile is not None
        subprocess.run(bare_argv(lang, source_dir, build, lang.argv(lang.compile)), check=True)
        java = lang.run[0]
        variants = {
            "ours": lang.argv(lang.run),
            "plain": [java, "-cp", "/build", "Main"],
            "oursWithoutCds": [*lang.argv(lang.run)[:-3], "-Xshare:off", "-cp", "/build", "Main"],
        }
        figures = {}
        for name, command in variants.items():
            argv = bare_argv(lang, source_dir, build, command)
            samples = timed(functools.partial(subprocess.run, argv, check=True), runs)
            figures[name + "MedianMs"] = round(statistics.median(samples), 1)
        return figures
    finally:
        shutil.rmtree(source_dir, ignore_errors=True)
        shutil.rmtree(build, ignore_errors=True)


def pooled_runner(
    sandbox: Sandbox, config: SandboxConfig, lang: Language, code: str
) -> tuple[Callable[[], float], Callable[[], None]] | None:
    """A timed run (ms) of `code` in a pooled sandbox that was ready before it, and the pool's
    drain; None when the pool holds no sandbox a run of `lang` can take."""
    own = Sandbox(replace(config, pool_languages=frozenset({lang.key})), sandbox.cgroups)
    own.start_pool(1, batches=False)
    pool = own.pool
    if pool is None:
        return None

    def run() -> float:
        if not pool.wait_filled(60.0):
            raise RuntimeError(f"no pooled sandbox got ready: {pool.stats}")
        before = pool.stats.handed_out
        started = time.perf_counter()
        result = own.run(code, lang.key)
        elapsed = (time.perf_counter() - started) * 1000
        if result.verdict is not Verdict.OK:
            raise RuntimeError(result)
        if pool.stats.handed_out != before + len(pool.kinds):
            # every kind of it: Java's build step and its run each take one
            raise LookupError("the run did not take the ready sandboxes")
        return elapsed

    try:
        run()
    except LookupError:
        own.close()
        return None
    return run, own.close


GRADED = ('const n = Number(require("fs").readFileSync(0, "utf8"));\nconsole.log(n * 2);\n', 10)


def graded_figures(
    sandbox: Sandbox, config: SandboxConfig, lang: Language, rounds: int
) -> dict[str, object]:
    """Median ms of a 10-input `run_batch`, unpooled and with the pool full at its start."""
    if lang.key != "javascript" or lang.batch is not None or config.pool_size < 1:
        return {}
    code, count = GRADED
    stdins = [f"{i}\n" for i in range(count)]
    want = [f"{i * 2}\n" for i in range(count)]
    own = Sandbox(replace(config, pool_languages=frozenset({lang.key})), sandbox.cgroups)
    own.start_pool(batches=False)
    pool = own.pool
    if pool is None:
        return {}
    plain: list[float] = []
    pooled: list[float] = []
    try:
        for _ in range(rounds):
            for into, runner in ((plain, sandbox), (pooled, own)):
                if runner is own and not pool.wait_filled(60.0):
                    raise RuntimeError(f"no pooled sandbox got ready: {pool.stats}")
                started = time.perf_counter()
                results = runner.run_batch(code, lang.key, stdins)
                into.append((time.perf_counter() - started) * 1000)
                if [r.stdout for r in results] != want:
                    raise RuntimeError(results)
        handed = pool.stats.handed_out
    finally:
        own.close()
    return {
        "graded10SandboxMedianMs": round(statistics.median(plain), 1),
        "graded10PooledMedianMs": round(statistics.median(pooled), 1),
        "graded10PoolSize": pool.size,
        "graded10InputsFromPool": round(handed / (rounds * count), 2),
    }


def measure(
    sandbox: Sandbox, lang: Language, runs: int, pooled_config: SandboxConfig | None
) -> dict[str, object]:
    code = TRIVIAL[lang.key]

    def sandbox_run() -> None:
        result = sandbox.run(code, lang.key)
        if result.verdict is not Verdict.OK:
            raise RuntimeError(result)

    bare_run, cleanup = bare_runner(lang, code)
    pooled = None if pooled_config is None else pooled_runner(sandbox, pooled_config, lang, code)
    try:
        for _ in range(3):
            bare_run()
            sandbox_run()
            if pooled is not None:
                pooled[0]()
        bare: list[float] = []
        boxed: list[float] = []
        from_pool: list[float] = []
        step = max(1, runs // 5)
        while len(bare) < runs:
            bare += timed(bare_run, step)
            boxed += timed(sandbox_run, step)
            if pooled is not None:
                from_pool += [pooled[0]() for _ in range(step)]
        bare_tput = throughput(bare_run, runs)
        boxed_tput = throughput(sandbox_run, runs)
    finally:
        cleanup()
        if pooled is not None:
            pooled[1]()
    figures: dict[str, object] = {
        "language": lang.key,
        "runs": len(bare),
        "bareMedianMs": round(statistics.median(bare), 1),
        "bareP95Ms": round(p95(bare), 1),
        "sandboxMedianMs": round(statistics.median(boxed), 1),
        "sandboxP95Ms": round(p95(boxed), 1),
        "latencyRatio": round(statistics.median(boxed) / statistics.median(bare), 3),
        "bareRunsPerSecond2": round(bare_tput, 2),
        "sandboxRunsPerSecond2": round(boxed_tput, 2),
        "throughputRatio": round(boxed_tput / bare_tput, 3),
    }
    if from_pool:
        figures |= {
            "pooledMedianMs": round(statistics.median(from_pool), 1),
            "pooledP95Ms": round(p95(from_pool), 1),
            "pooledLatencyRatio": round(statistics.median(from_pool) / statistics.median(bare), 3),
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100, help="runs per figure (Python, JS)")
    parser.add_argument("--java-runs", type=int, default=20, help="runs per figure (Java)")
    parser.add_argument("--no-pool", action="store_true", help="no pooled figures")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    config = SandboxConfig.from_env()
    # two halves of the uid block: the pool's waiting sandboxes never share a uid with a run
    half = config.uid_slots // 2
    pooled_config = None
    if not args.no_pool and half >= 2:
        pooled_config = replace(config, host_uid=config.host_uid + half, uid_slots=half)
        config = replace(config, uid_slots=half)
    sandbox = build_sandbox(config)
    results = []
    try:
        for key in ("python", "javascript", "java"):
            lang = sandbox.config.languages[key]
            runs = args.java_runs if key == "java" else args.runs
            figures = measure(sandbox, lang, runs, pooled_config)
            if pooled_config is not None:
                figures |= graded_figures(sandbox, pooled_config, lang, max(3, runs // 5))
            if key == "java":
                figures["jvmStartup"] = java_startup(lang, runs)
            results.append(figures)
    finally:
        sandbox.close()
    if args.json:
        print(json.dumps(results))
    else:
        for f in results:
            print(
                f"{f['language']:<10} bare {f['bareMedianMs']} / {f['bareP95Ms']} ms, "
                f"sandbox {f['sandboxMedianMs']} / {f['sandboxP95Ms']} ms "
                f"(x{f['latencyRatio']}); 2 at once: bare {f['bareRunsPerSecond2']}/s, "
                f"sandbox {f['sandboxRunsPerSecond2']}/s (x{f['throughputRatio']})"
            )
            if "pooledMedianMs" in f:
                print(
                    f"           pooled, a sandbox ready: {f['pooledMedianMs']} / "
                    f"{f['pooledP95Ms']} ms (x{f['pooledLatencyRatio']} bare)"
                )
            if "graded10PooledMedianMs" in f:
                print(
                    f"           10 graded inputs: {f['graded10SandboxMedianMs']} ms unpooled, "
                    f"{f['graded10PooledMedianMs']} ms with a pool of "
                    f"{f['graded10PoolSize']} full at the start "
                    f"({f['graded10InputsFromPool']:.0%} of inputs from the pool)"
                )
            if "jvmStartup" in f:
                print(f"           JVM start-up (bare, median ms): {f['jvmStartup']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
