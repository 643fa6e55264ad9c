"""The bubblewrap command line of one run: the sandbox policy, in one place."""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass
from pathlib import Path

from .languages import Language
from .limits import Limits

SANDBOX_UID = 65534  # "nobody" inside the user namespace
SANDBOX_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "TMPDIR": "/tmp",
}
# Our files (guest/: the boot wrapper, batch harness and init, passwd and group), one bind mount
# for all of them: each bind is a mount, a read-only remount and a path walk in bwrap.
GUEST_DIR = str(Path(__file__).resolve().parent / "guest")
GUEST_MOUNT = "/usr/lib/coderunner"
# What a program of any language expects of a normal machine, read-only: a passwd and group entry
# for its uid (getpass.getuser, ~; links into the guest mount, no mounts of their own), time
# zones, and the C.UTF-8 locale. Optional host paths are skipped when the host lacks them.
SYSTEM_LINKS: tuple[tuple[str, str], ...] = (
    (f"{GUEST_MOUNT}/passwd", "/etc/passwd"),
    (f"{GUEST_MOUNT}/group", "/etc/group"),
)
SYSTEM_DATA: tuple[tuple[str, str, bool], ...] = (
    ("/usr/share/zoneinfo", "/usr/share/zoneinfo", True),
    ("/usr/lib/locale/C.utf8", "/usr/lib/locale/C.utf8", True),
)


# pid 1 for languages without an init of their own (ADR 0007): our non-dumpable init, run by
# the learners' Python interpreter, mounted read-only beside the language's own files
_INIT_PYTHON = "/usr/bin/python3.11"
_INIT_MOUNTS = (
    (_INIT_PYTHON, _INIT_PYTHON),
    ("/usr/lib/python3.11", "/usr/lib/python3.11"),
)
INIT_COMMAND = (_INIT_PYTHON, "-s", "-P", "-S", "-B", "/usr/lib/coderunner/init.py")


@dataclass(frozen=True, slots=True)
class RunFds:
    """Where the run's descriptors are in bwrap's process (the launcher puts them there)."""

    source: int = 3
    seccomp: int = 4
    status: int = 5
    drawing: int | None = None  # the turtle drawing's channel (python_turtle.py), if any


def rlimits(limits: Limits) -> list[tuple[int, int, int]]:
    """The rlimits every sandboxed process inherits: (resource, soft, hard)."""
    cpu = math.ceil(limits.cpu_time_s) + 1
    fsize = limits.file_size_mb * 1024 * 1024
    return [
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, fsize, fsize),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
    ]


def build_argv(
    bwrap: str,
    language: Language,
    command: list[str],
    limits: Limits,
    fds: RunFds,
    build_dir: str | None = None,
    build_writable: bool = False,
    source_link: bool = False,
    extra_mounts: tuple[tuple[str, str], ...] = (),
) -> list[str]:
    """The command line; `source_link` (a pooled sandbox, whose source comes after it started)
    makes the source path a link to the source's descriptor, read-only, at `fds.source`;
    `extra_mounts` are (host, sandbox) paths bound read-only (a pooled run's launcher)."""
    argv = [
        bwrap,
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--uid", str(SANDBOX_UID),
        "--gid", str(SANDBOX_UID),
        "--hostname", "sandbox",
        "--die-with-parent",
        "--new-session",
        "--cap-drop", "ALL",
        "--clearenv",
    ]  # fmt: skip
    for key, value in {**SANDBOX_ENV, **language.env}.items():
        argv += ["--setenv", key, value]
    if fds.drawing is not None:
        argv += ["--setenv", "CODERUNNER_DRAWING_FD", str(fds.drawing)]
    for mount in language.present_mounts():
        if mount.source == mount.target and os.path.islink(mount.source):
            # mirror the host's layout (merged /usr: /lib64 -> usr/lib64)
            argv += ["--symlink", os.readlink(mount.source), mount.target]
        else:
            argv += ["--ro-bind", mount.source, mount.target]
    argv += ["--ro-bind", GUEST_DIR, GUEST_MOUNT]
    for source, target in extra_mounts:
        argv += ["--ro-bind", source, target]
    if not language.own_init:
        targets = {m.target for m in language.present_mounts()}
        for source, target in _INIT_MOUNTS:
            if target not in targets:
                argv += ["--ro-bind", source, target]
        command = [*INIT_COMMAND, *command]
    for source, target in SYSTEM_LINKS:
        argv += ["--symlink", source, target]
    for source, target, optional in SYSTEM_DATA:
        if not optional or os.path.isdir(source):
            argv += ["--ro-bind", source, target]
    argv += [
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(limits.tmpfs_mb * 1024 * 1024), "--tmpfs", "/tmp",
        "--size", str(min(limits.tmpfs_mb, 16) * 1024 * 1024), "--tmpfs", "/dev/shm",
        "--remount-ro", "/dev",  # nothing can be left in /dev for a later run or input
    ]  # fmt: skip
    if source_link:
        argv += ["--symlink", f"/proc/self/fd/{fds.source}", language.source_path]
    else:
        argv += ["--perms", "0444", "--ro-bind-data", str(fds.source), language.source_path]
    if build_dir is not None:
        argv += ["--bind" if build_writable else "--ro-bind", build_dir, "/build"]
    argv += [
        "--chdir", "/tmp",
        "--seccomp", str(fds.seccomp),
        "--json-status-fd", str(fds.status),
        "--remount-ro", "/",
        "--as-pid-1",  # our init (ADR 0007), never bwrap's reaper
        "--",
        *command,
    ]  # fmt: skip
    return argv
