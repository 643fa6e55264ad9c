"""The seccomp deny-list applied to user code, compiled once to a BPF program for bwrap.

Namespaces already hide the host; this closes the kernel interfaces they leave open. The policy is
data (`DENIED_SYSCALLS`) so a review reads it in one place. Syscalls of another architecture (the
x32 and i386 ABIs on x86-64) kill the process: libseccomp's default for a foreign arch.
"""

from __future__ import annotations

import errno
import functools
import os

import pyseccomp as seccomp

# Refused with EPERM: debugging other processes, mounting, kernel keyrings, BPF, io_uring,
# perf, modules, reboot, clocks, swap, accounting, handle-based opens, userfaultfd, namespaces.
DENIED_SYSCALLS: tuple[str, ...] = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "mount",
    "umount2",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "pivot_root",
    "chroot",
    "setns",
    "unshare",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "perf_event_open",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "syslog",
    "quotactl",
    "open_by_handle_at",
    "name_to_handle_at",
    "userfaultfd",
    "lookup_dcookie",
    "fanotify_init",
    "personality",
    "vhangup",
    "iopl",
    "ioperm",
    "uselib",
    "nfsservctl",
    # POSIX message queues live as long as the IPC namespace, which the inputs of a graded
    # batch share, and can't be listed (no mqueue filesystem) to be removed between them
    "mq_open",
)

# clone flags that make namespaces; clone itself stays allowed for fork and threads.
_NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)
_TIOCSTI = 0x5412


@functools.cache
def bpf_program() -> bytes:
    """The compiled filter, as bwrap's `--seccomp FD` reads it."""
    filt = seccomp.SyscallFilter(seccomp.ALLOW)
    deny = seccomp.ERRNO(errno.EPERM)
    for name in dict.fromkeys(DENIED_SYSCALLS):
        try:
            filt.add_rule(deny, name)
        except (OSError, RuntimeError, ValueError):
            continue  # not a syscall on this architecture
    for flag in _NAMESPACE_FLAGS:
        filt.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory seccomp can't read: make libc fall back to clone.
    filt.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    filt.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.EQ, _TIOCSTI))
    fd = os.memfd_create("coderunner-seccomp", os.MFD_CLOEXEC)
    try:
        filt.export_bpf(_Fd(fd))
        size = os.lseek(fd, 0, os.SEEK_END)
        return os.pread(fd, size, 0)
    finally:
        os.close(fd)


class _Fd:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def fileno(self) -> int:
        return self._fd
