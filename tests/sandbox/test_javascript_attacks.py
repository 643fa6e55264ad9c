"""The attack suite's classes, written in JavaScript (Node.js): what Python can't do, neither can
Node. Parse-time sources (deep nesting, a huge file), processes (child_process, worker
threads), memory (V8 heap and off-heap buffers), CPU, files, network, /proc and host secrets;
the fixture checks the host is left clean."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from coderunner.sandbox import Limits, RunResult, Sandbox, Verdict

pytestmark = pytest.mark.sandbox

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FAST = Limits(wall_time_s=3.0, cpu_time_s=3.0, memory_mb=256)


def js(sandbox: Sandbox, code: str, stdin: str = "", limits: Limits | None = None) -> RunResult:
    return sandbox.run(code, "javascript", stdin, limits)


def js_json(sandbox: Sandbox, code: str) -> object:
    result = sandbox.run(code, "javascript")
    assert result.verdict is Verdict.OK, result.stderr
    return json.loads(result.stdout)


def test_hello_reads_stdin_and_prints(sandbox: Sandbox) -> None:
    code = """
const lines = require("fs").readFileSync(0, "utf8").trim().split("\\n");
console.log(lines.map(Number).reduce((a, b) => a + b, 0));
"""
    result = sandbox.run(code, "javascript", "2\n3\n")
    assert result.verdict is Verdict.OK, result.stderr
    assert result.stdout == "5\n"
    assert result.stderr == ""  # no runtime warnings in a learner's output


def test_uncaught_error_is_a_runtime_error_with_its_message(sandbox: Sandbox) -> None:
    result = sandbox.run("let x = undefined;\nconsole.log(x.length);", "javascript")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "TypeError" in result.stderr


def test_syntax_error_is_a_runtime_error(sandbox: Sandbox) -> None:
    result = sandbox.run("console.log('hi'", "javascript")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "SyntaxError" in result.stderr


def test_deeply_nested_source_stops_the_parser_not_the_host(sandbox: Sandbox) -> None:
    # Node has no separate compile step: V8 parses the whole file before running it
    depth = 20000
    result = js(sandbox, "const x = " + "(" * depth + "1" + ")" * depth + ";\nconsole.log(x);")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "Maximum call stack size exceeded" in result.stderr
    assert result.wall_ms < 30000


def test_huge_generated_source_parses_and_runs_within_the_limits(sandbox: Sandbox) -> None:
    # a source as large as the API accepts (64 KB): 1000+ functions for V8 to parse
    lines = [f"function f{i}() {{ return {i} * {i} + {i}; }}" for i in range(1400)]
    code = "\n".join([*lines, "console.log(f7());"])
    assert len(code) < 65536
    result = js(sandbox, code)
    assert result.verdict is Verdict.OK, result.stderr[-500:]
    assert result.stdout == "56\n"


def test_fork_bomb_through_child_process_is_contained(sandbox: Sandbox) -> None:
    code = """
const { fork } = require("child_process");
function bomb() {
  try { fork(__filename); } catch (e) {}
  setImmediate(bomb);
}
bomb();
"""
    limits = Limits(wall_time_s=3.0, cpu_time_s=3.0, max_processes=24, memory_mb=256)
    result = sandbox.run(code, "javascript", "", limits)
    assert result.verdict in {
        Verdict.TIME_LIMIT_EXCEEDED,
        Verdict.MEMORY_LIMIT_EXCEEDED,
        Verdict.RUNTIME_ERROR,
    }
    assert result.wall_ms < 10000
    # host_stays_clean: no forked node outlived the run


def test_no_shell_or_other_programs_to_spawn(sandbox: Sandbox) -> None:
    code = """
const { spawnSync, execSync } = require("child_process");
for (const cmd of ["/bin/sh", "/usr/bin/python3", "/usr/bin/curl", "/bin/bash"]) {
  const r = spawnSync(cmd, ["-c", "echo pwned"]);
  console.log(cmd, r.error ? r.error.code : "ran " + r.status);
}
try { execSync("echo pwned"); console.log("SHELL"); } catch (e) { console.log("no shell"); }
"""
    result = sandbox.run(code, "javascript")
    assert "pwned" not in result.stdout
    assert "ran" not in result.stdout, result.stdout
    assert "no shell" in result.stdout


def test_detached_child_dies_with_the_run(sandbox: Sandbox) -> None:
    code = """
const { spawn } = require("child_process");
const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"],
                    { detached: true, stdio: "ignore" });
child.unref();
console.log("parent done");
"""
    result = sandbox.run(code, "javascript", "", FAST)
    assert result.verdict is Verdict.OK, result.stderr
    assert result.stdout == "parent done\n"


def test_worker_thread_bomb_is_contained(sandbox: Sandbox) -> None:
    code = """
const { Worker } = require("worker_threads");
let made = 0;
try {
  for (let i = 0; i < 500; i++) {
    new Worker("while (true) {}", { eval: true });
    made++;
  }
} catch (e) { console.log("refused", e.code || e.message); }
"""
    limits = Limits(wall_time_s=3.0, cpu_time_s=3.0, max_processes=32, memory_mb=256)
    result = sandbox.run(code, "javascript", "", limits)
    assert result.verdict in {
        Verdict.TIME_LIMIT_EXCEEDED,
        Verdict.MEMORY_LIMIT_EXCEEDED,
        Verdict.RUNTIME_ERROR,
    }
    assert result.wall_ms < 10000


def test_heap_growth_is_memory_limit_exceeded(sandbox: Sandbox) -> None:
    code = "const a = [];\nwhile (true) a.push(new Array(100000).fill(1.5));\n"
    result = sandbox.run(code, "javascript")
    assert result.verdict is Verdict.MEMORY_LIMIT_EXCEEDED, result.stderr[-500:]


def test_off_heap_buffers_are_limited_by_the_cgroup(sandbox: Sandbox) -> None:
    code = """
const chunks = [];
while (true) { chunks.push(Buffer.alloc(16 * 1024 * 1024, 1)); }
"""
    result = sandbox.run(code, "javascript", "", Limits(memory_mb=128))
    assert result.verdict in {Verdict.MEMORY_LIMIT_EXCEEDED, Verdict.RUNTIME_ERROR}
    assert result.memory_kb <= 128 * 1024 + 1024


def test_cpu_spin_is_time_limit_exceeded(sandbox: Sandbox) -> None:
    result = sandbox.run("while (true) {}", "javascript", "", FAST)
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED


def test_a_timer_that_never_ends_is_stopped_at_the_wall_limit(sandbox: Sandbox) -> None:
    result = sandbox.run("setInterval(() => {}, 1000);", "javascript", "", FAST)
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED


def test_deep_recursion_is_a_runtime_error(sandbox: Sandbox) -> None:
    result = sandbox.run("function f(n) { return f(n + 1) + 1; }\nf(0);", "javascript")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "Maximum call stack size exceeded" in result.stderr


def test_filling_tmp_hits_the_tmpfs_cap(sandbox: Sandbox) -> None:
    code = """
const fs = require("fs");
const block = Buffer.alloc(1024 * 1024, 120);
let written = 0;
try {
  for (let i = 0; ; i++) { fs.writeFileSync("/tmp/f" + i, block); written++; }
} catch (e) { console.log(e.code, written); }
"""
    result = sandbox.run(code, "javascript", "", Limits(tmpfs_mb=8, file_size_mb=50))
    assert result.verdict is Verdict.OK, result.stderr
    code_name, written = result.stdout.split()
    assert code_name == "ENOSPC"
    assert int(written) <= 8


@pytest.mark.parametrize("path", ["/marker", "/usr/marker", "/usr/bin/node", "/sandbox/main.js"])
def test_writes_outside_tmp_fail(sandbox: Sandbox, path: str) -> None:
    code = f"""
try {{ require("fs").appendFileSync({json.dumps(path)}, "x"); console.log("WROTE"); }}
catch (e) {{ console.log("refused", e.code); }}
"""
    result = sandbox.run(code, "javascript")
    assert result.stdout.startswith("refused"), result.stdout


def test_nothing_persists_in_tmp_between_runs(sandbox: Sandbox) -> None:
    first = sandbox.run("require('fs').writeFileSync('/tmp/marker', 'x')", "javascript")
    assert first.verdict is Verdict.OK, first.stderr
    second = sandbox.run("console.log(require('fs').existsSync('/tmp/marker'))", "javascript")
    assert second.stdout == "false\n"


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


def test_network_is_unreachable(sandbox: Sandbox, host_listener: tuple[int, list[str]]) -> None:
    port, accepted = host_listener
    targets = [["127.0.0.1", port], ["127.0.0.1", 5432], ["127.0.0.1", 6379], ["1.1.1.1", 80]]
    code = f"""
const net = require("net");
const targets = {json.dumps(targets)};
let left = targets.length;
for (const [host, port] of targets) {{
  const s = net.connect({{ host, port, timeout: 1000 }});
  const done = (what) => {{
    console.log(what, host, port); s.destroy(); if (--left === 0) process.exit(0);
  }};
  s.on("connect", () => done("CONNECTED"));
  s.on("error", () => done("refused"));
  s.on("timeout", () => done("refused"));
}}
"""
    result = sandbox.run(code, "javascript", "", FAST)
    assert "CONNECTED" not in result.stdout
    assert result.stdout.count("refused") == len(targets), result.stdout + result.stderr
    assert accepted == []


def test_dns_does_not_resolve(sandbox: Sandbox) -> None:
    code = """
require("dns").lookup("example.com", (err, address) => {
  console.log(err ? "no dns" : "RESOLVED " + address);
});
"""
    result = sandbox.run(code, "javascript", "", FAST)
    assert result.stdout.startswith("no dns"), result.stdout + result.stderr


def test_only_a_private_loopback_exists(sandbox: Sandbox) -> None:
    code = "console.log(JSON.stringify(Object.keys(require('os').networkInterfaces())))"
    assert js_json(sandbox, code) in (["lo"], [])


def test_environment_is_cleared(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "host-secret-value-that-must-not-leak")
    env = js_json(sandbox, "console.log(JSON.stringify(process.env))")
    assert isinstance(env, dict)
    assert set(env) <= {"PATH", "HOME", "LANG", "TMPDIR", "PWD"}
    assert "host-secret" not in json.dumps(env)


def test_proc_shows_only_the_runs_processes_and_no_secrets(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://secret@db/prod")
    code = """
const fs = require("fs");
const pids = fs.readdirSync("/proc").filter((p) => /^[0-9]+$/.test(p));
const environs = pids.map((p) => {
  try { return fs.readFileSync(`/proc/${p}/environ`, "latin1"); } catch (e) { return e.code; }
});
console.log(JSON.stringify({ pids, environs }));
"""
    seen = js_json(sandbox, code)
    assert isinstance(seen, dict)
    assert sorted(seen["pids"]) == ["1", "2"]
    assert "secret" not in json.dumps(seen["environs"])


@pytest.mark.parametrize(
    "path",
    ["/etc/shadow", "/root", "/home", "/work", "/sys/fs/cgroup", str(PROJECT_ROOT), "/usr/lib/jvm"],
)
def test_host_paths_are_invisible(sandbox: Sandbox, path: str) -> None:
    result = sandbox.run(f"console.log(require('fs').existsSync({json.dumps(path)}))", "javascript")
    assert result.stdout == "false\n", result.stderr


def test_kill_minus_one_does_not_reach_the_host(sandbox: Sandbox) -> None:
    uid = sandbox.config.host_uid
    sleeper = subprocess.Popen(
        ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sleep", "30"]
    )
    try:
        code = "try { process.kill(-1, 'SIGKILL'); } catch (e) {}\nconsole.log('alive');"
        result = sandbox.run(code, "javascript")
        assert result.verdict in {Verdict.OK, Verdict.RUNTIME_ERROR}
        assert sleeper.poll() is None, "kill(-1) from the sandbox reached a host process"
    finally:
        sleeper.kill()
        sleeper.wait()


def test_no_node_modules_or_eval_of_generated_code(sandbox: Sandbox) -> None:
    code = """
for (const m of ["express", "lodash", "npm"]) {
  try { require(m); console.log("IMPORTED", m); } catch (e) { console.log("missing", m); }
}
try { new Function("return 1")(); console.log("EVAL"); } catch (e) { console.log("no eval"); }
"""
    result = sandbox.run(code, "javascript")
    assert "IMPORTED" not in result.stdout
    assert "no eval" in result.stdout


def test_output_flood_is_truncated_and_stopped(sandbox: Sandbox) -> None:
    code = "const s = 'x'.repeat(1000);\nwhile (true) process.stdout.write(s);"
    result = sandbox.run(code, "javascript", "", FAST)
    assert result.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert result.truncated


def test_grading_batch_runs_each_input_fresh(sandbox: Sandbox) -> None:
    code = """
const fs = require("fs");
const seen = fs.existsSync("/tmp/seen");
fs.writeFileSync("/tmp/seen", "x");
console.log(seen ? "STALE" : "fresh", fs.readFileSync(0, "utf8").trim());
"""
    results = sandbox.run_batch(code, "javascript", ["1", "2", "3"])
    assert [r.stdout for r in results] == ["fresh 1\n", "fresh 2\n", "fresh 3\n"]
