"""Inside one sandbox: the learner's code can't be, control or write to the sandbox's init, and
nothing (process, file, IPC object, socket) passes from one graded input to the next."""

from __future__ import annotations

import pytest

from coderunner.sandbox import Sandbox, Verdict

from .conftest import batch

pytestmark = pytest.mark.sandbox


# Tries every way to reach another process's memory or descriptors; prints what worked.
_REACH = r"""
import ctypes, os
me = os.getpid()
mine = {me} | {int(p) for p in os.listdir(f"/proc/{me}/task")}
reached = []
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    if pid in mine:
        continue
    try:
        mem = open(f"/proc/{pid}/mem", "r+b", buffering=0)
        reached.append(f"{pid}:mem-open-for-writing")
        mem.close()
    except OSError:
        pass
    for what in ("fd/0", "fd/1", "fd/3", "environ", "maps"):
        try:
            with open(f"/proc/{pid}/{what}", "rb") as handle:
                handle.read(16)
            reached.append(f"{pid}:{what}")
        except OSError:
            pass
    try:
        os.listdir(f"/proc/{pid}/fd")
        reached.append(f"{pid}:fd-list")
    except OSError:
        pass
    libc = ctypes.CDLL(None, use_errno=True)
    class iovec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
    buf = ctypes.create_string_buffer(8)
    local = iovec(ctypes.addressof(buf), 8)
    remote = iovec(0x400000, 8)
    if libc.process_vm_writev(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) >= 0:
        reached.append(f"{pid}:process_vm_writev")
print(reached)
"""


def test_a_single_run_cannot_reach_the_sandbox_init(sandbox: Sandbox) -> None:
    result = sandbox.run(_REACH)
    assert result.verdict is Verdict.OK, result.stderr
    assert result.stdout == "[]\n"


def test_a_graded_input_cannot_reach_the_init_or_the_harness(sandbox: Sandbox) -> None:
    results = batch(sandbox, _REACH, ["", ""])
    assert [r.stdout for r in results] == ["[]\n", "[]\n"], [r.stderr for r in results]


def test_init_ignores_the_learners_signals(sandbox: Sandbox) -> None:
    code = """
import os, signal
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    if pid != os.getpid():
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL, signal.SIGSTOP):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
print(input())
"""
    results = batch(sandbox, code, ["a", "b", "c"])
    assert [r.stdout for r in results] == ["a\n", "b\n", "c\n"]
    assert all(r.verdict is Verdict.OK for r in results)


def test_a_later_input_sees_no_process_of_an_earlier_one(sandbox: Sandbox) -> None:
    # input 1 leaves detached processes behind; input 2 must see only init and itself, at once
    code = """
import os, time
others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid())
print(others)
for _ in range(3):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(60)
        os._exit(0)
"""
    results = batch(sandbox, code, ["", "", ""], wall_time_s=3)
    assert [r.stdout for r in results] == ["[1]\n"] * 3


def test_signals_cannot_reach_an_earlier_inputs_processes(sandbox: Sandbox) -> None:
    code = """
import os, signal, sys, time
if input() == "leave":
    if os.fork() == 0:
        os.setsid()
        signal.signal(signal.SIGUSR1, lambda *a: os.write(1, b"signalled"))
        time.sleep(60)
else:
    sent = []
    for pid in range(1, 300):
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, signal.SIGUSR1)
            sent.append(pid)
        except OSError:
            pass
    print([p for p in sent if p != 1])
"""
    results = batch(sandbox, code, ["leave", "look"], wall_time_s=3)
    assert results[1].stdout == "[]\n"


def test_dev_is_read_only_and_nothing_stashed_there_survives(sandbox: Sandbox) -> None:
    code = """
import os
found = os.path.exists("/dev/.stash")
try:
    open("/dev/.stash", "w").write("x")
    wrote = True
except OSError:
    wrote = False
print(found, wrote)
"""
    results = batch(sandbox, code, ["", ""])
    assert [r.stdout for r in results] == ["False False\n", "False False\n"]
    assert sandbox.run(code).stdout == "False False\n"


def test_sysv_shared_memory_does_not_survive_into_the_next_input(sandbox: Sandbox) -> None:
    code = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
key = 0x5EC12E7
found = libc.shmget(key, 4096, 0o600)
if found >= 0:
    print("found", ctypes.string_at(libc.shmat(found, None, 0), 6))
else:
    made = libc.shmget(key, 4096, 0o1000 | 0o600)
    ctypes.memmove(libc.shmat(made, None, 0), b"secret", 6)
    print("made", made >= 0)
if libc.msgget(key, 0o600) >= 0:
    print("found msg")
if libc.semget(key, 1, 0o600) >= 0:
    print("found sem")
libc.msgget(key, 0o1000 | 0o600)
libc.semget(key, 1, 0o1000 | 0o600)
"""
    results = batch(sandbox, code, ["", "", ""])
    assert [r.stdout for r in results] == ["made True\n"] * 3


def test_posix_message_queues_do_not_survive_into_the_next_input(sandbox: Sandbox) -> None:
    code = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
if libc.mq_open(b"/stash", os.O_RDWR) >= 0:
    print("found")
libc.mq_open(b"/stash", os.O_RDWR | os.O_CREAT, 0o600, None)
print("done")
"""
    results = batch(sandbox, code, ["", "", ""])
    assert [r.stdout for r in results] == ["done\n"] * 3


def test_abstract_unix_sockets_do_not_survive_into_the_next_input(sandbox: Sandbox) -> None:
    code = """
import os, socket, time
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    client.connect("\\0stash")
    print("connected", client.recv(10))
except OSError:
    print("alone")
if os.fork() == 0:
    os.setsid()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("\\0stash")
    server.listen()
    while True:
        conn, _ = server.accept()
        conn.send(b"secret")
"""
    results = batch(sandbox, code, ["", "", ""], wall_time_s=3)
    assert [r.stdout for r in results] == ["alone\n"] * 3


_REACH_JS = r"""
const fs = require("fs");
const reached = [];
for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
  if (Number(pid) === process.pid) continue;
  for (const [what, flags] of [["mem", "r+"], ["fd/0", "r"], ["fd/1", "r"], ["environ", "r"]]) {
    try {
      fs.closeSync(fs.openSync(`/proc/${pid}/${what}`, flags));
      reached.push(`${pid}:${what}`);
    } catch (e) {}
  }
}
console.log(JSON.stringify(reached));
"""

_REACH_JAVA = r"""
import java.nio.channels.FileChannel;
import java.nio.file.*;
public class Main {
  public static void main(String[] args) throws Exception {
    StringBuilder reached = new StringBuilder();
    long me = ProcessHandle.current().pid();
    try (var list = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) list::iterator) {
        String name = p.getFileName().toString();
        if (!name.matches("\\d+") || Long.parseLong(name) == me) continue;
        try (var mem = FileChannel.open(p.resolve("mem"), StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
          reached.append(name).append(":mem ");
        } catch (Exception e) {}
        try (var in = Files.newInputStream(p.resolve("fd/0"))) {
          reached.append(name).append(":fd/0 ");
        } catch (Exception e) {}
      }
    }
    System.out.println("[" + reached.toString().trim() + "]");
  }
}
"""


@pytest.mark.parametrize(("language", "code"), [("javascript", _REACH_JS), ("java", _REACH_JAVA)])
def test_other_languages_cannot_reach_the_sandbox_init(
    sandbox: Sandbox, language: str, code: str
) -> None:
    result = sandbox.run(code, language)
    assert result.verdict is Verdict.OK, result.stderr
    assert result.stdout == "[]\n"
