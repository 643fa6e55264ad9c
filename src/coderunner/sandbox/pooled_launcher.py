"""A pooled run's launcher in a compiled language (`pooledLauncher` in languages.yaml: Java's
guest/PooledJava.java), built once per host and kept in a cache directory the pooled run's
sandbox mounts read-only at LAUNCHER_MOUNT.

It is built by the language's own build step, in a sandbox like any learner's program (our own
source only), into `CACHE_ROOT/<key>`, where the key hashes the launcher's source and the
compiler's and runtime's files (path, inode, size, mtime of each): a changed source or an
upgraded JDK gets a new directory. Only root writes or trusts it: an entry another user could
have written (not root's, group- or world-writable, a symlink) is never mounted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .bwrap import GUEST_DIR
from .languages import Language
from .launch import fresh_build_dir

if TYPE_CHECKING:
    from .runner import Sandbox

CACHE_ROOT = Path("/var/cache/coderunner/pooled-launchers")
LAUNCHER_MOUNT = "/usr/lib/coderunner-launcher"
_MAX_BYTES = 1 << 20  # our launcher's classes: a few kB
_lock = threading.Lock()


def _runtime_files(lang: Language) -> list[str]:
    """The compiler's and the runtime's executables and the JDK's module image, if any."""
    paths = []
    for argv in (lang.compile or (), lang.run):
        if argv:
            paths.append(os.path.realpath(argv[0]))
    for path in list(paths):
        home = os.path.dirname(os.path.dirname(path))
        paths += [os.path.join(home, "lib", "modules"), os.path.join(home, "release")]
    return sorted(set(paths))


def launcher_key(lang: Language) -> str:
    assert lang.pooled_launcher is not None
    digest = hashlib.sha256(lang.key.encode() + b"\0")
    digest.update(Path(GUEST_DIR, lang.pooled_launcher).read_bytes())
    for path in _runtime_files(lang):
        try:
            st = os.stat(path)
            digest.update(repr((path, st.st_ino, st.st_size, st.st_mtime_ns)).encode())
        except OSError:
            digest.update(repr((path, None)).encode())
    return digest.hexdigest()[:32]


def _trusted(path: Path) -> bool:
    """Root's own, writable by nobody else, no links, down to every file in it."""
    try:
        files = list(path.iterdir())
        if not files:
            return False
        items = [path.parent, path, *files]
        for item in items:
            info = os.lstat(item)
            if stat.S_ISLNK(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
                return False
    except OSError:
        return False
    return True


def launcher_dir(sandbox: Sandbox, lang: Language, root: Path | None = None) -> str:
    """The directory of `lang`'s built launcher, building it first if this host has none.
    Raises OSError when it cannot be built (the language's runs are then not pooled)."""
    root = root or CACHE_ROOT
    if os.geteuid() != 0:
        raise OSError("a pooled launcher is built only as root")
    path = root / launcher_key(lang)
    with _lock:
        if _trusted(path):
            return str(path)
        _build(sandbox, lang, root, path)
    return str(path)


def _build(sandbox: Sandbox, lang: Language, root: Path, path: Path) -> None:
    assert lang.pooled_launcher is not None
    source = Path(GUEST_DIR, lang.pooled_launcher).read_bytes()
    root.mkdir(mode=0o755, parents=True, exist_ok=True)
    os.chmod(root, 0o755)  # noqa: S103 (the sandbox uids read the launcher through it)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    build: str | None = None
    try:
        with sandbox.uids.slot() as uid:
            build = fresh_build_dir(uid)
            failed = sandbox.build(lang, source, build)
        if failed is not None:
            raise OSError(f"the pooled launcher did not build: {failed.stderr[-500:]}")
        total = 0
        for entry in os.scandir(build):
            if not entry.is_file(follow_symlinks=False):
                raise OSError(f"the launcher's build left {entry.name!r}, not a file")
            total += entry.stat(follow_symlinks=False).st_size
            if total > _MAX_BYTES:
                raise OSError("the launcher's build is too large")
            shutil.copyfile(entry.path, staging / entry.name, follow_symlinks=False)
            os.chmod(staging / entry.name, 0o644)
        os.chmod(staging, 0o755)  # noqa: S103 (mounted read-only for the sandbox uids)
        if path.is_symlink():
            path.unlink()
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(path)  # an untrusted or broken entry of this key
        os.rename(staging, path)
    finally:
        if build is not None:
            shutil.rmtree(build, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)


MAX_CLASS_FILES = 4096
MAX_CLASS_BYTES = 64 << 20


def copy_classes(source: str, target: str, uid: int) -> bool:
    """Copy a build's output (regular files and folders only, no links, at most
    MAX_CLASS_FILES entries and MAX_CLASS_BYTES) from `source` into a pooled run's empty build
    dir `target`, owned by `uid` (as root) with the build's modes; False (target emptied) when
    the build holds anything else or more: that run then reads the build where it is."""
    try:
        _copy_tree(source, target, uid, [0, 0])
    except (OSError, ValueError):
        for entry in os.scandir(target):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
        return False
    return True


def _copy_tree(source: str, target: str, uid: int, counts: list[int]) -> None:
    root = os.geteuid() == 0
    with os.scandir(source) as entries:
        for entry in entries:
            counts[0] += 1
            if counts[0] > MAX_CLASS_FILES:
                raise ValueError("too many files")
            info = entry.stat(follow_symlinks=False)
            to = os.path.join(target, entry.name)
            mode = stat.S_IMODE(info.st_mode) & 0o755
            if stat.S_ISDIR(info.st_mode):
                os.mkdir(to, mode)
                if root:
                    os.chown(to, uid, uid)
                _copy_tree(entry.path, to, uid, counts)
            elif stat.S_ISREG(info.st_mode):
                counts[1] += info.st_size
                if counts[1] > MAX_CLASS_BYTES:
                    raise ValueError("too large")
                _copy_file(entry.path, to, mode, uid if root else None)
            else:
                raise ValueError(f"not a file: {entry.name!r}")


def _copy_file(source: str, target: str, mode: int, uid: int | None) -> None:
    read = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        write = os.open(
            target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode
        )
        try:
            while chunk := os.read(read, 1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(write, view) :]
            if uid is not None:
                os.fchown(write, uid, uid)
            os.fchmod(write, mode)
        finally:
            os.close(write)
    finally:
        os.close(read)
