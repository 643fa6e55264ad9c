"""Attacks through the kernel interface: seccomp-denied calls, privilege changes, signals."""

from __future__ import annotations

import pytest

from coderunner.sandbox import Sandbox, Verdict

pytestmark = pytest.mark.sandbox

PRELUDE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def call(name, *args):
    rc = getattr(libc, name)(*args)
    return rc, ctypes.get_errno()
def syscall(nr, *args):
    rc = libc.syscall(nr, *args)
    return rc, ctypes.get_errno()
"""

# x86-64 syscall numbers
SYSCALLS = {
    "bpf": 321,
    "io_uring_setup": 425,
    "perf_event_open": 298,
    "keyctl": 250,
    "add_key": 248,
    "userfaultfd": 323,
    "open_by_handle_at": 304,
    "kexec_load": 246,
    "init_module": 175,
    "setns": 308,
    "pivot_root": 155,
    "fsopen": 430,
}


@pytest.mark.parametrize(
    ("label", "expression"),
    [
        ("ptrace traceme", "call('ptrace', 0, 0, 0, 0)"),
        ("ptrace attach to init", "call('ptrace', 16, 1, 0, 0)"),
        ("unshare user namespace", "call('unshare', 0x10000000)"),
        ("unshare mount namespace", "call('unshare', 0x00020000)"),
        ("mount tmpfs", "call('mount', b'none', b'/tmp', b'tmpfs', 0, None)"),
        ("chroot", "call('chroot', b'/tmp')"),
        ("setuid root", "call('setuid', 0)"),
        ("setgid root", "call('setgid', 0)"),
        ("reboot", "call('reboot', 0x4321FEDC)"),
        ("sethostname", "call('sethostname', b'evil', 4)"),
    ],
)
def test_privileged_calls_fail(sandbox: Sandbox, label: str, expression: str) -> None:
    result = sandbox.run(PRELUDE + f"print({expression}[0])")
    assert result.verdict is Verdict.OK, result.stderr
    assert result.stdout == "-1\n", f"{label} succeeded"


@pytest.mark.parametrize("name", sorted(SYSCALLS))
def test_seccomp_denies_kernel_interfaces(sandbox: Sandbox, name: str) -> None:
    result = sandbox.run(PRELUDE + f"print(*syscall({SYSCALLS[name]}, 0, 0, 0, 0, 0))")
    assert result.verdict is Verdict.OK, result.stderr
    rc, errno_ = result.stdout.split()
    assert rc == "-1"
    assert errno_ == "1", f"{name} was not refused with EPERM"


def test_clone_with_namespace_flags_is_refused(sandbox: Sandbox) -> None:
    # clone(CLONE_NEWUSER | SIGCHLD) through the raw syscall
    result = sandbox.run(PRELUDE + "print(*syscall(56, 0x10000000 | 17, 0, 0, 0, 0))")
    assert result.stdout.split() == ["-1", "1"]


def test_clone3_falls_back(sandbox: Sandbox) -> None:
    result = sandbox.run(PRELUDE + "print(*syscall(435, 0, 0))")
    assert result.stdout.split() == ["-1", "38"]  # ENOSYS: libc falls back to clone


def test_threads_and_processes_still_work(sandbox: Sandbox) -> None:
    code = """
import threading, subprocess, multiprocessing
t = threading.Thread(target=print, args=("thread",), kwargs={"flush": True})
t.start(); t.join()
import os
pid = os.fork()
if pid == 0:
    print("child", flush=True); os._exit(0)
os.waitpid(pid, 0)
with multiprocessing.Pool(2) as pool:
    print(sum(pool.map(abs, [-1, -2, -3])))
"""
    result = sandbox.run(code)
    assert result.verdict is Verdict.OK, result.stderr
    assert result.stdout.split() == ["thread", "child", "6"]


def test_foreign_architecture_syscalls_kill_the_process(sandbox: Sandbox) -> None:
    # an x32-ABI getpid (bit 30 set) is outside the filter's architecture: SIGSYS
    result = sandbox.run(PRELUDE + "syscall(0x40000000 | 39)\nprint('survived')")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert result.signal == 31
    assert "survived" not in result.stdout


def test_segfault_reports_its_signal(sandbox: Sandbox) -> None:
    result = sandbox.run("import ctypes\nctypes.string_at(0)")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert result.signal == 11
    assert result.exit_code is None


def test_abort_reports_sigabrt(sandbox: Sandbox) -> None:
    result = sandbox.run("import os\nos.abort()")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert result.signal == 6


@pytest.mark.parametrize(("code", "exit_code"), [(0, 0), (3, 3), (42, 42)])
def test_sys_exit_code_is_reported(sandbox: Sandbox, code: int, exit_code: int) -> None:
    result = sandbox.run(f"import sys\nsys.exit({code})")
    assert result.exit_code == exit_code
    assert result.verdict is (Verdict.OK if code == 0 else Verdict.RUNTIME_ERROR)


def test_uncaught_exception_is_a_runtime_error_with_traceback(sandbox: Sandbox) -> None:
    result = sandbox.run("print('before')\n1 / 0")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert result.exit_code == 1
    assert result.stdout == "before\n"
    assert "ZeroDivisionError" in result.stderr


def test_no_controlling_terminal_to_inject_into(sandbox: Sandbox) -> None:
    code = """
try:
    open("/dev/tty")
    print("TTY")
except OSError as exc:
    print("no tty", exc.errno)
"""
    assert sandbox.run(code).stdout.startswith("no tty")
