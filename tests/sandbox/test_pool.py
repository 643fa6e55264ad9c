"""Attacks on the pre-warmed sandbox pool (ADR 0014), with real bubblewrap.

Each test gets a sandbox of its own with the pool on, over the same host uids as the suite's
sandbox (tests of one worker run one at a time): the suite's host-clean check, after the pool
drained, then covers every pooled sandbox too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import pytest

from coderunner.sandbox import Limits, Sandbox, Verdict
from coderunner.sandbox.languages import get_language
from coderunner.sandbox.pool import SandboxPool
from coderunner.sandbox.spawner_client import wait_exit

from .conftest import OwnPool, assert_pool_left_nothing

pytestmark = pytest.mark.sandbox

# small limits: a time-limit or memory-limit run costs little on a busy machine
POOLED = Limits(cpu_time_s=0.5, wall_time_s=0.5, memory_mb=64)
# node's own start-up takes ~40 MB, and a runaway heap ends at V8's 128 MB cap (languages.yaml)
JS_POOLED = Limits(cpu_time_s=2.0, wall_time_s=2.0, memory_mb=256)
LIMITS = {"python": POOLED, "javascript": JS_POOLED}
# a program that prints "ok", per language
PRINT_OK = {"python": "print('ok')", "javascript": "console.log('ok')"}
LANGUAGES = pytest.mark.parametrize("language", sorted(LIMITS))
PoolMaker = Callable[..., Sandbox]


@pytest.fixture
def pooled(sandbox: Sandbox, own_pool: OwnPool) -> PoolMaker:
    def make(
        size: int = 2,
        max_idle_s: float = 3600.0,
        uid_slots: int | None = None,
        batches: bool = False,
        language: str = "python",
    ) -> Sandbox:
        config = replace(sandbox.config, pool_languages=frozenset({language}))
        if uid_slots is not None:
            config = replace(config, uid_slots=uid_slots)
        return own_pool(config, LIMITS[language], size, max_idle_s, batches)

    return make


def _pool(sandbox: Sandbox) -> SandboxPool:
    assert sandbox.pool is not None
    return sandbox.pool


def test_a_pooled_run_runs_the_program_with_its_input(pooled: PoolMaker) -> None:
    sandbox = pooled()
    code = "name = input()\nprint('hi', name)\nprint(open(__file__).read().count('\\n'))\n1/0\n"
    result = sandbox.run(code, stdin="Ada\n", limits=POOLED)
    assert _pool(sandbox).stats.handed_out == 1
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert result.stdout == "hi Ada\n4\n"
    # the traceback shows the learner's line, as an unpooled run does
    assert 'File "/sandbox/main.py", line 4, in <module>\n    1/0' in result.stderr


def test_the_pooled_source_and_input_cannot_be_changed(pooled: PoolMaker) -> None:
    sandbox = pooled()
    code = """
import os
for path in ("/sandbox/main.py", "/proc/self/fd/0", "/proc/self/fd/3"):
    for flags in (os.O_WRONLY, os.O_RDWR, os.O_WRONLY | os.O_TRUNC):
        try:
            os.open(path, flags)
            print("opened", path, flags)
        except OSError:
            pass
print("done")
"""
    result = sandbox.run(code, limits=POOLED)
    assert _pool(sandbox).stats.handed_out == 1
    assert result.stdout == "done\n", result


@pytest.mark.parametrize(
    ("code", "stdin", "verdict"),
    [
        ("print(int(input()) * 2)", "21\n", Verdict.OK),
        ("raise ValueError('no')", "", Verdict.RUNTIME_ERROR),
        ("while True: pass", "", Verdict.TIME_LIMIT_EXCEEDED),
        ("x = bytearray(200 * 2**20)", "", Verdict.MEMORY_LIMIT_EXCEEDED),
        ("import os\nos.kill(os.getpid(), 9)", "", Verdict.RUNTIME_ERROR),
        ("import sys\nprint('bye')\nsys.exit(3)", "", Verdict.RUNTIME_ERROR),
    ],
)
def test_verdicts_are_the_same_with_the_pool(
    sandbox: Sandbox, pooled: PoolMaker, code: str, stdin: str, verdict: Verdict
) -> None:
    plain = sandbox.run(code, stdin=stdin, limits=POOLED)
    own = pooled(size=1)
    from_pool = own.run(code, stdin=stdin, limits=POOLED)
    assert _pool(own).stats.handed_out == 1
    assert plain.verdict is verdict, plain
    assert from_pool.verdict is verdict, from_pool
    assert (from_pool.stdout, from_pool.exit_code, from_pool.signal) == (
        plain.stdout,
        plain.exit_code,
        plain.signal,
    )


def test_a_child_left_flooding_after_the_program_ends_is_cut_off(pooled: PoolMaker) -> None:
    sandbox = pooled(size=1)
    code = """
import os, sys
print("parent done", flush=True)
if os.fork() == 0:
    os.setsid()
    while True:
        os.write(1, b"x" * 4096)
"""
    result = sandbox.run(code, limits=POOLED)
    assert _pool(sandbox).stats.handed_out == 1
    # the run ends when the program does; the child dies then (the suite's check: no process)
    assert result.stdout.startswith("parent done\n")
    assert result.verdict in (Verdict.OK, Verdict.OUTPUT_LIMIT_EXCEEDED)


def test_a_graded_batch_runs_in_a_pooled_sandbox_with_the_same_verdicts(
    sandbox: Sandbox, pooled: PoolMaker
) -> None:
    code = """
import os
n = int(input("How many? "))
assert not os.path.exists("/tmp/seen"), "an earlier input left a file"
open("/tmp/seen", "w").write("x")
if n == 0:
    while True:
        pass
if n < 0:
    x = bytearray(200 * 2**20)
print(n * 2)
"""
    stdins = ["1\n", "0\n", "-1\n", "21\n"]
    plain = sandbox.run_batch(code, "python", stdins, POOLED)
    own = pooled(size=1, batches=True)
    from_pool = own.run_batch(code, "python", stdins, POOLED)
    assert _pool(own).stats.handed_out == 1
    want = [
        Verdict.OK,
        Verdict.TIME_LIMIT_EXCEEDED,
        Verdict.MEMORY_LIMIT_EXCEEDED,
        Verdict.OK,
    ]
    assert [r.verdict for r in plain] == want, plain
    assert [r.verdict for r in from_pool] == want, from_pool
    assert [r.stdout for r in from_pool] == [r.stdout for r in plain]
    assert from_pool[3].stdout == "42\n"  # the prompt is not graded


@pytest.mark.parametrize(
    "code", ["n = int(input())\nif n > 0\n    print(n)\n", "n = int(input())\nprint(1 // 0)\n"]
)
def test_a_pooled_batch_shows_the_learners_lines_in_errors(
    sandbox: Sandbox, pooled: PoolMaker, code: str
) -> None:
    plain = sandbox.run_batch(code, "python", ["1", "2"], POOLED)
    own = pooled(size=1, batches=True)
    from_pool = own.run_batch(code, "python", ["1", "2"], POOLED)
    assert _pool(own).stats.handed_out == 1
    assert [r.stderr for r in from_pool] == [r.stderr for r in plain]
    assert 'File "/sandbox/main.py", line 2' in from_pool[0].stderr


@LANGUAGES
def test_start_up_is_not_charged_to_the_program(pooled: PoolMaker, language: str) -> None:
    sandbox = pooled(size=1, language=language)
    pool = _pool(sandbox)
    lang = get_language(language)
    limits = sandbox.resolve_limits(lang, LIMITS[language])
    waiting = pool.take(lang, limits, lang.drawing)
    assert waiting is not None
    start_up_ms = waiting.run.group.cpu_ms()  # bubblewrap and the interpreter's start
    try:
        result = sandbox._run_pooled(waiting, PRINT_OK[language].encode(), b"", limits)
    finally:
        pool.done(waiting)
    assert result is not None
    assert result.verdict is Verdict.OK
    assert start_up_ms > 0
    assert result.time_ms < start_up_ms, (result.time_ms, start_up_ms)


def test_a_program_finds_no_trace_of_the_previous_run(pooled: PoolMaker) -> None:
    sandbox = pooled(size=2)
    first = """
import os, sys, ctypes
open("/tmp/secret", "w").write("first learner")
open("/dev/shm/secret", "w").write("first learner")
os.environ["SECRET"] = "first learner"
libc = ctypes.CDLL(None)
print(libc.shmget(4242, 4096, 0o1666) >= 0, libc.msgget(4243, 0o1666) >= 0)
if os.fork() == 0:
    os.setsid()
    import time
    time.sleep(60)
print(input())
"""
    ran = sandbox.run(first, stdin="the first input\n", limits=POOLED)
    assert ran.stdout == "True True\nthe first input\n", ran
    probe = """
import json, os, sys
seen = {
    "tmp": os.listdir("/tmp"), "shm": os.listdir("/dev/shm"),
    "env": sorted(k for k in os.environ if k not in ("PWD",)),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "ipc": [open(f"/proc/sysvipc/{k}").read().count("\\n") - 1 for k in ("shm", "msg", "sem")],
    "stdin": sys.stdin.read(),
    "source": open("/proc/self/fd/3").read() == open(__file__).read(),
    "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
}
for name in ("mem", "environ", "fd"):
    try:
        target = f"/proc/1/{name}"
        os.listdir(target) if name == "fd" else open(target, "rb").read(1)
        seen[name] = "readable"
    except OSError:
        seen[name] = "denied"
print(json.dumps(seen))
"""
    result = sandbox.run(probe, stdin="mine", limits=POOLED)
    assert _pool(sandbox).stats.handed_out == 2
    seen = json.loads(result.stdout)
    assert seen["tmp"] == []
    assert seen["shm"] == []
    assert "SECRET" not in seen["env"]
    assert seen["pids"] == [1, 2], "only our init and the program"
    assert seen["ipc"] == [0, 0, 0]
    assert seen["stdin"] == "mine"
    assert seen["source"] is True
    # the waiting init's memory and descriptors stay its own (non-dumpable pid 1)
    assert (seen["mem"], seen["environ"], seen["fd"]) == ("denied", "denied", "denied")


@LANGUAGES
def test_a_sandbox_that_waited_too_long_is_destroyed_not_used(
    pooled: PoolMaker, language: str
) -> None:
    own = pooled(size=1, language=language)
    pool = _pool(own)
    first = next(iter(pool._idle)).waiting.run.pid
    pool.max_idle_s = 0.0  # every waiting sandbox is now too old
    result = own.run(PRINT_OK[language], language, limits=LIMITS[language])
    assert result.verdict is Verdict.OK, result
    assert result.stdout == "ok\n"
    assert pool.stats.handed_out == 0
    assert pool.stats.expired >= 1
    # the refill destroys the old one (and every later one, as each is too old at once)
    assert wait_exit(first, 30.0), "a sandbox past its idle age was left waiting"


@LANGUAGES
def test_a_sandbox_whose_control_closes_early_ends_by_itself(
    pooled: PoolMaker, language: str
) -> None:
    sandbox = pooled(size=1, language=language)
    pool = _pool(sandbox)
    lang = get_language(language)
    waiting = pool.take(lang, sandbox.resolve_limits(lang, LIMITS[language]), lang.drawing)
    assert waiting is not None
    waiting.run.owned.close(waiting.control)  # the host's end goes away before any go
    try:
        assert wait_exit(waiting.run.pid, 30.0), "the sandbox hung on a closed control socket"
        assert not waiting.alive()  # bubblewrap reported its end
    finally:
        pool.done(waiting)  # torn down by the refill thread (which may reuse its uid at once)
    deadline = time.monotonic() + 30.0

    def torn_down() -> bool:
        return waiting.run.finished and not waiting.run.group.pids()

    while not torn_down() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert torn_down()


def test_a_changed_host_file_retires_every_waiting_sandbox(
    pooled: PoolMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coderunner.sandbox import pool as pool_module

    sandbox = pooled(size=2)
    pool = _pool(sandbox)
    real = pool_module.host_fingerprint
    monkeypatch.setattr(
        pool_module,
        "host_fingerprint",
        lambda sb, lang: (*real(sb, lang), ("/usr/lib/coderunner/boot.py", 1, 2, 3)),
    )
    result = sandbox.run("print('ok')", limits=POOLED)
    assert result.stdout == "ok\n"
    assert pool.stats.handed_out == 0
    assert pool.stats.stale >= 2


def test_other_limits_never_get_a_pooled_sandbox(pooled: PoolMaker) -> None:
    sandbox = pooled(size=1)
    result = sandbox.run("print('ok')", limits=POOLED.with_overrides(memory_mb=96))
    assert result.stdout == "ok\n"
    assert _pool(sandbox).stats.handed_out == 0


def test_a_run_gets_a_uid_when_waiting_sandboxes_hold_them_all(pooled: PoolMaker) -> None:
    sandbox = pooled(size=1, uid_slots=2)  # the pool never takes the last free uid
    assert len(sandbox.uids._free) == 1
    results: list[str] = []

    def run() -> None:  # another worker thread, while this one holds the free uid
        other = sandbox.run("print('ok')", limits=POOLED.with_overrides(memory_mb=96))
        results.append(other.stdout)

    with sandbox.uids.slot():
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(120.0)
    assert results == ["ok\n"], "the run did not get the waiting sandbox's uid"


@LANGUAGES
@pytest.mark.parametrize("delay_s", [0.0, 0.005, 0.03, 0.1])
def test_a_refill_racing_shutdown_leaves_nothing(
    sandbox: Sandbox, delay_s: float, language: str
) -> None:
    own = Sandbox(replace(sandbox.config, pool_languages=frozenset({language})), sandbox.cgroups)
    try:
        own.start_pool(3, 3600.0, LIMITS[language])
        time.sleep(delay_s)  # close while refills are starting (the exact moment varies)
    finally:
        own.close()
    assert_pool_left_nothing(sandbox, own)


def test_the_pool_self_test_runs_the_probe_in_a_pooled_sandbox(sandbox: Sandbox) -> None:
    from coderunner.sandbox.selftest import pool_selftest

    own = Sandbox(sandbox.config, sandbox.cgroups)
    try:
        own.start_pool(1)  # the default limits, as the service pools them
        check = pool_selftest(own)
        assert check.ok, check.detail
        assert _pool(own).stats.handed_out == 1
    finally:
        own.close()


@pytest.mark.parametrize(("slots", "kept"), [(2, 0), (4, 1), (5, 2), (16, 2)])
def test_the_pool_keeps_only_what_its_uids_can_hold(
    sandbox: Sandbox, slots: int, kept: int
) -> None:
    # Python's two kinds (runs and batches) and one uid always free for a run: a pool asked for
    # 2 of each in fewer than 5 uids could never fill, and the service's start-up would wait
    config = replace(sandbox.config, uid_slots=slots, pool_languages=frozenset({"python"}))
    own = Sandbox(config, sandbox.cgroups)
    try:
        own.start_pool(2, 3600.0, POOLED, batches=True)
        if kept == 0:
            assert own.pool is None
            return
        pool = _pool(own)
        assert pool.size == kept
        assert pool.wait_filled(60.0), pool.stats
        assert len(own.uids._free) >= 1
    finally:
        own.close()


def test_a_language_the_pool_cannot_hold_is_named_in_the_log(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    config = replace(sandbox.config, pool_languages=frozenset({"python", "cobol"}))
    own = Sandbox(config, sandbox.cgroups)
    try:
        own.start_pool(1, 3600.0, POOLED, batches=False)
        assert [k.lang.key for k in _pool(own).kinds.values()] == ["python"]
    finally:
        own.close()
    assert "cannot hold on this host (unknown, disabled" in caplog.text
    assert "cobol" in caplog.text


def test_the_pool_holds_each_language_that_can_be_pooled(sandbox: Sandbox) -> None:
    everything = Sandbox(sandbox.config, sandbox.cgroups)
    kinds = {(k.lang.key, k.batch, k.build) for k in everything.pool_kinds(POOLED)}
    pooled = {
        key
        for key, lang in sandbox.config.languages.items()
        if lang.enabled
        and (lang.pooled_run is not None or lang.pooled_compile is not None)
        and not lang.missing()
    }
    assert {key for key, _, _ in kinds} == pooled
    assert ("python", True, False) in kinds  # Python's batch harness is pooled too
    assert ("java", False, True) in kinds  # Java's build step
    only = Sandbox(replace(sandbox.config, pool_languages=frozenset()), sandbox.cgroups)
    assert only.pool_kinds(POOLED) == []
    only.start_pool(2, 3600.0, POOLED)
    assert only.pool is None
    # the uid rule counts every kind: (slots - 1) // kinds each
    slots = len(kinds) * 2
    own = Sandbox(replace(sandbox.config, uid_slots=slots), sandbox.cgroups)
    try:
        own.start_pool(5, 3600.0, POOLED)
        assert _pool(own).size == (slots - 1) // len(kinds)
        assert len(_pool(own).kinds) == len(kinds)
    finally:
        own.close()


# JavaScript behind our init's relay (guest/pooled.js): what the learner sees must not tell a
# pooled run from an unpooled one (but for the source's descriptor, as in Python)
_JS_SAME = [
    # input, read whole and as a stream
    (
        'const [a, b] = require("fs").readFileSync(0, "utf8").split(" ").map(Number);\n'
        "console.log(a + b);",
        "2 3\n",
    ),
    ('process.stdin.on("data", (d) => console.log(String(d).toUpperCase()));', "shout\n"),
    # uncaught errors: the message, the source line and the stack show /sandbox/main.js
    ('function f() {\n  throw new Error("boom");\n}\nconsole.log("before");\nf();', ""),
    ("let x = undefined;\nconsole.log(x.length);", ""),
    ("console.log('hi'", ""),
    ('Promise.reject(new Error("later"));', ""),
    ('console.log(new Error("where").stack);', ""),
    # module syntax: node detects it and loads the program through its ES module loader
    (
        'import { readFileSync } from "fs";\n'
        'console.log(import.meta.url, readFileSync(0, "utf8"));\nthrow new Error("esm");',
        "in",
    ),
    # exit codes and signals
    ('console.log("bye");\nprocess.exitCode = 3;', ""),
    ('process.kill(process.pid, "SIGKILL");', ""),
    # what a program can see of itself
    (
        """const fs = require("fs");
console.log(JSON.stringify({
  file: __filename, dir: __dirname, isMain: require.main === module,
  mainFile: process.mainModule.filename, paths: module.paths, argv: process.argv,
  execArgv: process.execArgv, env: Object.keys(process.env).sort(),
  environ: fs.readFileSync("/proc/self/environ", "latin1").split("\\0").map((e) => e.split("=")[0]),
  cache: Object.keys(require.cache), resolved: require.resolve("./main.js"),
  source: fs.readFileSync(__filename, "utf8").length, pid: process.pid, ppid: process.ppid,
}));""",
        "",
    ),
    # a worker thread on the program's own file (one process: the source's fd is its own)
    (
        """const { Worker, isMainThread, parentPort } = require("worker_threads");
if (isMainThread) {
  const worker = new Worker(__filename);
  worker.on("message", (m) => console.log("from the worker", m));
  worker.on("exit", (code) => console.log("exit", code));
} else {
  parentPort.postMessage([__filename, require.main === module, Object.keys(require.cache)]);
}""",
        "",
    ),
    # the program requiring itself (modules are known by their paths: the source is a link)
    ('console.log(require.resolve("./main.js"), require("./main.js") === module.exports);', ""),
]


@pytest.mark.parametrize(("code", "stdin"), _JS_SAME)
def test_a_pooled_javascript_run_is_the_same_as_an_unpooled_one(
    sandbox: Sandbox, pooled: PoolMaker, code: str, stdin: str
) -> None:
    plain = sandbox.run(code, "javascript", stdin, JS_POOLED)
    own = pooled(size=1, language="javascript")
    from_pool = own.run(code, "javascript", stdin, JS_POOLED)
    assert _pool(own).stats.handed_out == 1
    assert plain.verdict in (Verdict.OK, Verdict.RUNTIME_ERROR), plain
    assert (from_pool.verdict, from_pool.exit_code, from_pool.signal) == (
        plain.verdict,
        plain.exit_code,
        plain.signal,
    )
    assert from_pool.stdout == plain.stdout
    assert from_pool.stderr == plain.stderr
    assert "/proc/self/fd" not in from_pool.stdout + from_pool.stderr
    assert "coderunner" not in from_pool.stdout + from_pool.stderr  # no trace of the preload


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("while (true) {}", Verdict.TIME_LIMIT_EXCEEDED),
        (
            "const a = [];\nwhile (true) a.push(new Array(100000).fill(1.5));",
            Verdict.MEMORY_LIMIT_EXCEEDED,
        ),
        (
            "const s = 'x'.repeat(1000);\nwhile (true) process.stdout.write(s);",
            Verdict.OUTPUT_LIMIT_EXCEEDED,
        ),
    ],
)
def test_a_pooled_javascript_run_hits_the_same_limits(
    sandbox: Sandbox, pooled: PoolMaker, code: str, verdict: Verdict
) -> None:
    plain = sandbox.run(code, "javascript", "", JS_POOLED)
    own = pooled(size=1, language="javascript")
    from_pool = own.run(code, "javascript", "", JS_POOLED)
    assert _pool(own).stats.handed_out == 1
    assert plain.verdict is verdict, plain
    assert from_pool.verdict is verdict, from_pool
    assert (from_pool.exit_code, from_pool.signal, from_pool.truncated) == (
        plain.exit_code,
        plain.signal,
        plain.truncated,
    )
    if verdict is Verdict.MEMORY_LIMIT_EXCEEDED:  # V8's own out-of-memory, pooled or not
        assert "JavaScript heap out of memory" in from_pool.stderr


_JS_FIRST = """
const fs = require("fs");
fs.writeFileSync("/tmp/secret", "first learner");
fs.writeFileSync("/dev/shm/secret", "first learner");
process.env.SECRET = "first learner";
const { spawn } = require("child_process");
spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { detached: true, stdio: "ignore" })
  .unref();
console.log(fs.readFileSync(0, "utf8").trim());
"""
_JS_PROBE = """
const fs = require("fs");
const fds = fs.readdirSync("/proc/self/fd").map(Number).sort((a, b) => a - b);
const links = fds.map((fd) => { try { return fs.readlinkSync(`/proc/self/fd/${fd}`); }
                                catch { return "gone"; } });
const seen = {
  tmp: fs.readdirSync("/tmp"), shm: fs.readdirSync("/dev/shm"),
  env: Object.keys(process.env).sort(),
  ownEnviron: fs.readFileSync("/proc/self/environ", "latin1").includes("first learner"),
  pids: fs.readdirSync("/proc").filter((p) => /^[0-9]+$/.test(p)).map(Number),
  stdin: fs.readFileSync(0, "utf8"),
  source: fs.readFileSync("/proc/self/fd/3", "utf8") === fs.readFileSync(__filename, "utf8"),
  sockets: links.filter((l) => l.startsWith("socket:")).length,
};
for (const name of ["mem", "environ", "fd"]) {
  const target = `/proc/1/${name}`;
  try {
    if (name === "fd") fs.readdirSync(target); else fs.readFileSync(target);
    seen[name] = "readable";
  } catch { seen[name] = "denied"; }
}
console.log(JSON.stringify(seen));
"""


def test_a_pooled_javascript_program_finds_no_trace_of_the_previous_run(
    pooled: PoolMaker,
) -> None:
    sandbox = pooled(size=2, language="javascript")
    ran = sandbox.run(_JS_FIRST, "javascript", "the first input\n", JS_POOLED)
    assert (ran.verdict, ran.stdout) == (Verdict.OK, "the first input\n"), ran
    result = sandbox.run(_JS_PROBE, "javascript", "mine", JS_POOLED)
    assert _pool(sandbox).stats.handed_out == 2
    assert result.verdict is Verdict.OK, result
    seen = json.loads(result.stdout)
    assert seen["tmp"] == []
    assert seen["shm"] == []
    assert seen["env"] == ["HOME", "LANG", "PATH", "PWD", "TMPDIR"]  # as unpooled: no SECRET
    assert seen["ownEnviron"] is False
    assert sorted(seen["pids"]) == [1, 2], "only our init and the program"
    assert seen["stdin"] == "mine"
    assert seen["source"] is True
    assert seen["sockets"] == 0, "the program holds no control socket"
    # the waiting init's memory and descriptors stay its own (non-dumpable pid 1)
    assert (seen["mem"], seen["environ"], seen["fd"]) == ("denied", "denied", "denied")


def test_graded_javascript_inputs_take_ready_sandboxes_with_the_same_verdicts(
    sandbox: Sandbox, pooled: PoolMaker
) -> None:
    code = """
const fs = require("fs");
const n = Number(fs.readFileSync(0, "utf8"));
if (fs.existsSync("/tmp/seen")) throw new Error("an earlier input left a file");
fs.writeFileSync("/tmp/seen", "x");
if (n === 0) while (true) {}
if (n < 0) throw new RangeError("negative");
console.log(n * 2);
"""
    stdins = ["1\n", "0\n", "-1\n", "21\n"]
    plain = sandbox.run_batch(code, "javascript", stdins, JS_POOLED)
    own = pooled(size=2, language="javascript")
    from_pool = own.run_batch(code, "javascript", stdins, JS_POOLED)
    assert _pool(own).stats.handed_out >= 2  # the two that were ready, at least
    want = [Verdict.OK, Verdict.TIME_LIMIT_EXCEEDED, Verdict.RUNTIME_ERROR, Verdict.OK]
    assert [r.verdict for r in plain] == want, plain
    assert [r.verdict for r in from_pool] == want, from_pool
    assert [(r.stdout, r.exit_code) for r in from_pool] == [(r.stdout, r.exit_code) for r in plain]
    assert from_pool[2].stderr == plain[2].stderr
    assert from_pool[3].stdout == "42\n"
