"""Where a sandboxed Python run's CPU goes: variants of its bwrap command line, side by side.

    .venv/bin/python bench/sandbox_steps.py [--runs N]      # root: bwrap maps the uid

Runs each variant directly (no cgroup, no launcher, no uid drop: those are `bench/sandbox.py`'s),
interleaved, and reports the median wall time and the CPU time of all its processes per run
(this process is their subreaper, so RUSAGE_CHILDREN holds them all):
  bare              bench/sandbox.py's bare bwrap: namespaces only, `python3 -I -S -c pass`
  policy            our whole command line (seccomp, mounts, tmpfs, read-only /dev and /,
                    bwrap's status fd), the program run by python3 directly as pid 1
  full              the same with boot.py as pid 1, as `Sandbox.run` has it: its non-dumpable
                    init forks the program (ADR 0007)
  full-no-freeze    boot.py without its gc.freeze() before the fork
  full-file-binds   our files as separate bind mounts (boot.py, batch.py, passwd, group), as
                    before they were one guest folder
CPU is the figure to compare on a shared machine; the wall times move with its load.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from coderunner.sandbox import seccomp
from coderunner.sandbox.bwrap import GUEST_DIR, GUEST_MOUNT, RunFds, build_argv
from coderunner.sandbox.languages import registry
from coderunner.sandbox.launch import memfd
from coderunner.sandbox.limits import DEFAULT_LIMITS

BARE = [
    "bwrap", "--unshare-all", "--die-with-parent",
    "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--proc", "/proc", "--dev", "/dev",
    "/usr/bin/python3", "-I", "-S", "-c", "pass",
]  # fmt: skip


def _with_command(argv: list[str], command: list[str]) -> list[str]:
    return argv[: argv.index("--") + 1] + command


def _before_proc(argv: list[str], extra: list[str]) -> list[str]:
    at = argv.index("--proc")
    return argv[:at] + extra + argv[at:]


def _file_binds(argv: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i : i + 3] == ["--ro-bind", GUEST_DIR, GUEST_MOUNT]:
            out += [
                "--ro-bind", f"{GUEST_DIR}/boot.py", f"{GUEST_MOUNT}/boot.py",
                "--ro-bind", f"{GUEST_DIR}/batch.py", f"{GUEST_MOUNT}/batch.py",
            ]  # fmt: skip
            i += 3
        elif argv[i] == "--symlink" and argv[i + 1].startswith(GUEST_MOUNT):
            out += ["--ro-bind", argv[i + 1].replace(GUEST_MOUNT, GUEST_DIR), argv[i + 2]]
            i += 3
        else:
            out.append(argv[i])
            i += 1
    return out


def variants(scratch: Path) -> dict[str, list[str]]:
    lang = registry()["python"]
    full = build_argv("/usr/bin/bwrap", lang, lang.argv(lang.run), DEFAULT_LIMITS, RunFds())
    unfrozen = scratch / "boot.py"
    source = (Path(GUEST_DIR) / "boot.py").read_text()
    unfrozen.write_text(source.replace("    gc.freeze()\n", ""))
    assert unfrozen.read_text() != source, "boot.py no longer calls gc.freeze()"
    unfrozen.chmod(0o644)
    scratch.chmod(0o755)
    return {
        "bare": BARE,
        "policy": _with_command(
            full, ["/usr/bin/python3", "-s", "-P", "-S", "-B", lang.source_path]
        ),
        "full": full,
        "full-no-freeze": _before_proc(
            full, ["--ro-bind", str(unfrozen), f"{GUEST_MOUNT}/boot.py"]
        ),
        "full-file-binds": _file_binds(full),
    }


def run(argv: list[str], program: bytes) -> None:
    fds = [memfd("source", b"pass"), memfd("seccomp", program), os.open("/dev/null", os.O_WRONLY)]

    def place() -> None:  # at 3, 4, 5 as RunFds says, by way of high numbers
        high = [os.dup2(fd, 100 + n) for n, fd in enumerate(fds)]
        for target, fd in enumerate(high, start=3):
            os.dup2(fd, target)

    try:
        subprocess.run(
            argv, preexec_fn=place, close_fds=False, stdout=subprocess.DEVNULL, check=True
        )
    finally:
        for fd in fds:
            os.close(fd)
    _reap()


def _reap() -> None:
    """bwrap's own init (bare runs) outlives bwrap by a moment: collect it and its CPU time."""
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.0005)


def children_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    program = seccomp.bpf_program()
    with tempfile.TemporaryDirectory() as scratch:
        table = variants(Path(scratch))
        wall: dict[str, list[float]] = {name: [] for name in table}
        cpu = dict.fromkeys(table, 0.0)
        for argv in table.values():  # warm
            run(argv, program)
        for _ in range(args.runs):
            for name, argv in table.items():
                before, started = children_cpu_ms(), time.perf_counter()
                run(argv, program)
                wall[name].append((time.perf_counter() - started) * 1000)
                cpu[name] += children_cpu_ms() - before
    for name in table:
        print(
            f"{name:16s} wall median {statistics.median(wall[name]):7.2f} ms   "
            f"CPU per run {cpu[name] / args.runs:6.2f} ms"
        )


if __name__ == "__main__":
    main()
