"""Attacks on isolation: filesystem, network, environment, processes, host secrets."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from coderunner.sandbox import Sandbox, Verdict

pytestmark = pytest.mark.sandbox

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_json(sandbox: Sandbox, code: str) -> object:
    result = sandbox.run(code)
    assert result.verdict is Verdict.OK, result.stderr
    return json.loads(result.stdout)


def test_nothing_persists_in_tmp_between_runs(sandbox: Sandbox) -> None:
    first = sandbox.run("open('/tmp/marker', 'w').write('x'); print('written')")
    assert first.stdout == "written\n"
    second = sandbox.run("import os; print(os.path.exists('/tmp/marker'))")
    assert second.stdout == "False\n"


def test_nothing_persists_in_dev_shm_between_runs(sandbox: Sandbox) -> None:
    first = sandbox.run("open('/dev/shm/marker', 'w').write('x'); print('written')")
    assert first.stdout == "written\n", first.stderr
    second = sandbox.run("import os; print(os.listdir('/dev/shm'))")
    assert second.stdout == "[]\n"


@pytest.mark.parametrize(
    "path",
    ["/marker", "/usr/marker", "/usr/lib/python3.11/os.py", "/sandbox/main.py", "/proc/sys/x"],
)
def test_writes_outside_tmp_fail(sandbox: Sandbox, path: str) -> None:
    code = f"""
try:
    open({path!r}, "a").write("x")
    print("WROTE")
except OSError as exc:
    print("refused", exc.errno)
"""
    result = sandbox.run(code)
    assert result.stdout.startswith("refused"), result.stdout


def test_network_out_is_unreachable(sandbox: Sandbox) -> None:
    code = """
import socket
for host in ["1.1.1.1", "8.8.8.8", "10.0.0.1"]:
    try:
        socket.create_connection((host, 80), timeout=1)
        print("CONNECTED", host)
    except OSError as exc:
        print("refused", host, exc.errno)
"""
    result = sandbox.run(code)
    assert "CONNECTED" not in result.stdout
    assert result.stdout.count("refused") == 3


def test_dns_does_not_resolve(sandbox: Sandbox) -> None:
    code = """
import socket
try:
    print(socket.getaddrinfo("example.com", 80))
except OSError as exc:
    print("no dns", type(exc).__name__)
"""
    assert sandbox.run(code).stdout.startswith("no dns")


def test_only_a_private_loopback_exists(sandbox: Sandbox) -> None:
    code = "import socket, json; print(json.dumps([n for _, n in socket.if_nameindex()]))"
    assert run_json(sandbox, code) == ["lo"]


@pytest.fixture
def host_listener() -> Iterator[tuple[int, list[str]]]:
    """A TCP server on the host's loopback, like our API, Redis or PostgreSQL."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append("connection")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


def test_host_loopback_services_are_unreachable(
    sandbox: Sandbox, host_listener: tuple[int, list[str]]
) -> None:
    port, accepted = host_listener
    ports = [port, 4000, 3000, 5432, 6379]
    code = f"""
import socket
for port in {ports!r}:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1)
        print("CONNECTED", port)
    except OSError:
        print("refused", port)
"""
    result = sandbox.run(code)
    assert "CONNECTED" not in result.stdout
    assert accepted == []


def test_host_unix_sockets_are_unreachable(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "service.sock"
    filesystem = socket.socket(socket.AF_UNIX)
    filesystem.bind(str(path))
    filesystem.listen()
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind("\0coderunner-test-abstract")
    abstract.listen()
    try:
        code = f"""
import socket
for address in [{str(path)!r}, "\\0coderunner-test-abstract", "/var/run/postgresql/.s.PGSQL.5432",
                "/run/redis/redis-server.sock"]:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(address)
        print("CONNECTED", repr(address))
    except OSError:
        print("refused")
"""
        result = sandbox.run(code)
        assert "CONNECTED" not in result.stdout, result.stdout
        assert result.stdout.count("refused") == 4
    finally:
        filesystem.close()
        abstract.close()


def test_environment_is_cleared(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "host-secret-value-that-must-not-leak")
    code = "import os, json; print(json.dumps(dict(os.environ)))"
    env = run_json(sandbox, code)
    assert isinstance(env, dict)
    ours = {"PATH", "HOME", "LANG", "TMPDIR", "PWD", "PYTHONHASHSEED", "CODERUNNER_DRAWING_FD"}
    assert set(env) <= ours
    assert env.get("CODERUNNER_DRAWING_FD", "6") == "6"  # the turtle's channel (its number)
    assert "host-secret" not in json.dumps(env)


def test_proc_environ_of_every_visible_process_is_clean(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://secret@db/prod")
    code = """
import os
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        print(open(f"/proc/{pid}/environ", "rb").read())
    except OSError as exc:
        print("unreadable", pid, exc.errno)
"""
    result = sandbox.run(code)
    assert "secret" not in result.stdout


@pytest.mark.parametrize(
    "path",
    [
        "/etc/shadow",
        "/etc/hostname",
        "/etc/os-release",
        "/root",
        "/home",
        "/work",
        "/var/lib/postgresql",
        "/sys/fs/cgroup",
        str(PROJECT_ROOT),
        str(PROJECT_ROOT / ".venv"),
        str(PROJECT_ROOT / ".data"),
        os.path.expanduser("~"),
    ],
)
def test_host_paths_are_invisible(sandbox: Sandbox, path: str) -> None:
    result = sandbox.run(f"import os; print(os.path.exists({path!r}))")
    assert result.stdout == "False\n"


def test_proc_shows_only_the_runs_processes(sandbox: Sandbox) -> None:
    pids = run_json(sandbox, "import os, json; print(json.dumps(os.listdir('/proc')))")
    assert isinstance(pids, list)
    assert sorted(p for p in pids if p.isdigit()) == ["1", "2"]


def test_kill_minus_one_does_not_reach_the_host(sandbox: Sandbox) -> None:
    # a host process of the very uid the sandbox runs as
    uid = sandbox.config.host_uid
    sleeper = subprocess.Popen(
        ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sleep", "30"]
    )
    try:
        result = sandbox.run("import os, signal\nos.kill(-1, signal.SIGKILL)\nprint('alive')")
        assert result.verdict in {Verdict.OK, Verdict.RUNTIME_ERROR}
        assert sleeper.poll() is None, "kill(-1) from the sandbox reached a host process"
    finally:
        sleeper.kill()
        sleeper.wait()


def _uids_of_our_runs() -> list[list[int]]:
    """Host uids (real, effective, saved) of processes in this test process's run cgroups."""
    marker = f"/run-{os.getpid()}-"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cgroups = (entry / "cgroup").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if marker in cgroups:
            uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
            found.append([int(x) for x in uid_line.split()[1:4]])
    return found


def test_runs_as_an_unprivileged_uid_on_the_host(sandbox: Sandbox) -> None:
    results: list[object] = []
    thread = threading.Thread(
        target=lambda: results.append(sandbox.run("import time\ntime.sleep(10)"))
    )
    thread.start()
    seen: list[list[int]] = []
    # look for as long as the run lives (~11 s, the wall-clock backstop), however slowly a
    # loaded host starts it
    while thread.is_alive() and not seen:
        seen = _uids_of_our_runs()
        time.sleep(0.05)
    thread.join()
    assert seen, "the run's processes were never seen on the host"
    assert 0 not in sandbox.uids.uids
    assert all(uids[0] in sandbox.uids.uids and uids == uids[:1] * 3 for uids in seen), seen


def test_third_party_and_project_modules_cannot_be_imported(sandbox: Sandbox) -> None:
    code = """
import importlib, json
out = {}
for name in ["coderunner", "fastapi", "yaml", "pydantic", "numpy", "requests", "pip", "apt"]:
    try:
        importlib.import_module(name)
        out[name] = "IMPORTED"
    except ImportError:
        out[name] = "missing"
print(json.dumps(out))
"""
    seen = run_json(sandbox, code)
    assert isinstance(seen, dict)
    assert set(seen.values()) == {"missing"}, seen


def test_standard_library_works(sandbox: Sandbox) -> None:
    code = "import json, math, random, collections, itertools, re, datetime, sqlite3, decimal\n"
    code += "print(math.isqrt(49), json.dumps([1]))"
    assert sandbox.run(code).stdout == "7 [1]\n"
