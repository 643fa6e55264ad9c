"""A passed self-test remembered for this boot, so `coderunner exec` costs milliseconds.

The record is one line in a root-owned file (`/run/coderunner/selftest`, on the tmpfs that a
reboot empties): a hash of the boot id and of everything the self-test proved things about, the
policy (seccomp program, bubblewrap, the language registry, the files we mount into the
sandbox, the sandbox uid and CPU settings). Any change to one of them, or a reboot, makes the
record stale and the self-test runs again. Only root writes or trusts it: a record another user
could have written (wrong owner, group- or world-writable, a symlink) is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

from .runner import Sandbox

CACHE_PATH = Path("/run/coderunner/selftest")
_PACKAGE = Path(__file__).resolve().parent


def _policy_files() -> list[str]:
    """Every file of the sandbox package (its code, the files mounted into the sandbox, the
    language registry): a hand-kept list missed a newly mounted module once."""
    return sorted(
        str(path.relative_to(_PACKAGE))
        for path in _PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def policy_key(sandbox: Sandbox) -> str:
    digest = hashlib.sha256()
    with contextlib.suppress(OSError):
        digest.update(Path("/proc/sys/kernel/random/boot_id").read_bytes())
    digest.update(sandbox.seccomp_program)
    for name in _policy_files():
        digest.update(name.encode() + b"\0" + (_PACKAGE / name).read_bytes())
    bwrap = os.stat(sandbox.config.bwrap)
    config = sandbox.config
    digest.update(
        repr(
            (
                config.bwrap,
                bwrap.st_size,
                bwrap.st_mtime_ns,
                config.host_uid,
                config.uid_slots,
                config.cpu_weight,
                config.wall_factor,
                config.default_limits,
                sandbox.cgroups.describe(),
            )
        ).encode()
    )
    return digest.hexdigest()


def _trusted(path: Path) -> bool:
    """Root's own file in root's own directory, writable by nobody else."""
    for item in (path.parent, path):
        info = os.lstat(item)
        if stat.S_ISLNK(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
            return False
    return True


def passed_before(sandbox: Sandbox, path: Path | None = None) -> bool:
    path = path or CACHE_PATH
    if os.geteuid() != 0:
        return False
    try:
        return _trusted(path) and path.read_text().strip() == policy_key(sandbox)
    except OSError:
        return False


def remember_pass(sandbox: Sandbox, path: Path | None = None) -> None:
    path = path or CACHE_PATH
    if os.geteuid() != 0:
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(policy_key(sandbox) + "\n")
        os.replace(temporary, path)
    except OSError:
        pass  # not remembered: the next call runs the self-test again
