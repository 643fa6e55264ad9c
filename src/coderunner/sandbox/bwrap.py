"""The bubblewrap command line of one run: the sandbox policy, in one place."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from .languages import Language
from .limits import Limits

SANDBOX_UID = 65534  # "nobody" inside the user namespace
SANDBOX_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "TMPDIR": "/tmp",
}


@dataclass(frozen=True, slots=True)
class RunFds:
    source: int
    seccomp: int
    status: int
    block: int


def launcher(host_uid: int, limits: Limits) -> list[str]:
    """What runs before bwrap: util-linux `prlimit` sets the rlimits every sandboxed process
    inherits, and, when we are root, `setpriv` makes bwrap an unprivileged host uid."""
    cpu = math.ceil(limits.cpu_time_s) + 1
    fsize = limits.file_size_mb * 1024 * 1024
    argv = [
        "/usr/bin/prlimit",
        "--core=0:0",
        f"--cpu={cpu}:{cpu + 1}",
        f"--fsize={fsize}:{fsize}",
        f"--nofile={limits.open_files}:{limits.open_files}",
        "--",
    ]
    if os.getuid() == 0:
        argv += [
            "/usr/bin/setpriv",
            f"--reuid={host_uid}",
            f"--regid={host_uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--",
        ]
    return argv


def build_argv(
    bwrap: str,
    language: Language,
    command: list[str],
    limits: Limits,
    fds: RunFds,
    build_dir: str | None = None,
    build_writable: bool = False,
) -> list[str]:
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
    for key, value in SANDBOX_ENV.items():
        argv += ["--setenv", key, value]
    for mount in language.present_mounts():
        if mount.source == mount.target and os.path.islink(mount.source):
            # mirror the host's layout (merged /usr: /lib64 -> usr/lib64)
            argv += ["--symlink", os.readlink(mount.source), mount.target]
        else:
            argv += ["--ro-bind", mount.source, mount.target]
    argv += [
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(limits.tmpfs_mb * 1024 * 1024), "--tmpfs", "/tmp",
        "--size", str(min(limits.tmpfs_mb, 16) * 1024 * 1024), "--tmpfs", "/dev/shm",
        "--perms", "0444", "--ro-bind-data", str(fds.source), language.source_path,
    ]  # fmt: skip
    if build_dir is not None:
        argv += ["--bind" if build_writable else "--ro-bind", build_dir, "/build"]
    argv += [
        "--chdir", "/tmp",
        "--seccomp", str(fds.seccomp),
        "--json-status-fd", str(fds.status),
        "--block-fd", str(fds.block),
        "--remount-ro", "/",
        "--",
        *command,
    ]  # fmt: skip
    return argv
