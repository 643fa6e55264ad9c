"""Java's pooled build step and run (ADR 0014, guest/PooledJavac.java, guest/PooledJava.java),
with real bubblewrap.

A pooled `javac` sandbox waits with javac warmed up; a pooled run waits in the run's JVM with
our launcher, and gets the built classes copied into its own build dir. Each answer must be the
unpooled one's; each test gets a
sandbox of its own with the pool on, over the suite's uids, so the suite's host-clean check
(processes, cgroups, build dirs) covers every pooled sandbox after the pool drained.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from coderunner.sandbox import Limits, RunResult, Sandbox, Verdict
from coderunner.sandbox.languages import get_language
from coderunner.sandbox.pool import SandboxPool, host_fingerprint
from coderunner.sandbox.pooled_launcher import copy_classes, launcher_dir, launcher_key
from coderunner.sandbox.spawner_client import wait_exit

from .conftest import (
    OwnPool,
    assert_pool_left_nothing,
    leftover_tempdirs,
)

pytestmark = pytest.mark.sandbox

LIMITS = Limits(wall_time_s=2.0, cpu_time_s=2.0, memory_mb=384, max_processes=128)
JavaPool = Callable[..., Sandbox]


@pytest.fixture
def java_pool(sandbox: Sandbox, own_pool: OwnPool) -> JavaPool:
    def make(size: int = 1, max_idle_s: float = 3600.0) -> Sandbox:
        config = replace(sandbox.config, pool_languages=frozenset({"java"}))
        return own_pool(config, LIMITS, size, max_idle_s, fill_s=120.0)

    return make


def _pool(sandbox: Sandbox) -> SandboxPool:
    assert sandbox.pool is not None
    return sandbox.pool


def _main(body: str, extra: str = "") -> str:
    return (
        "import java.io.*;\nimport java.util.*;\n"
        "public class Main {\n  public static void main(String[] args) throws Exception {\n"
        f"{body}\n  }}\n}}\n{extra}"
    )


def _answer(result: RunResult) -> tuple[Verdict, int | None, str, str]:
    return result.verdict, result.exit_code, result.stdout, result.stderr


PROGRAMS = {
    "syntax error": (
        "public class Main {\n  public static void main(String[] a) {\n    int x = \n  }\n}\n"
    ),
    "wrong class name": "public class Hello { public static void main(String[] a) {} }\n",
    "many errors": "public class Main {\n"
    + "".join(f"  void f{i}() {{ int x = undefined{i}; }}\n" for i in range(30))
    + "}\n",
    "unchecked note": _main("List l = new ArrayList();\nl.add(1);\nSystem.out.println(l);"),
    "input and exception": _main(
        "Scanner in = new Scanner(System.in);\nint n = in.nextInt();\n"
        "System.out.println(n * 2);\nint[] a = new int[1];\na[n] = 1;"
    ),
    "exit code": _main('System.out.print("bye");\nSystem.exit(3);'),
    "time limit": _main("long i = 0;\nwhile (true) { i++; }"),
    "heap": _main(
        "List<long[]> hog = new ArrayList<>();\nwhile (true) hog.add(new long[1 << 20]);"
    ),
    "non-ascii": _main('System.out.println("héllo ✓ " + args.length);', "// ünïcode\n"),
    "caused by": _main(
        "try { f(); } catch (RuntimeException e) {\n"
        '  RuntimeException outer = new IllegalStateException("wrapped", e);\n'
        '  outer.addSuppressed(new IOException("also"));\n  throw outer;\n}',
        "class Deep { }\n",
    ).replace("  }\n}\n", '  }\n  static void f() { Integer.parseInt("x"); }\n}\n', 1),
    "static init": 'public class Main {\n  static int x = Integer.parseInt("y");\n'
    "  public static void main(String[] a) { }\n}\n",
    "no main": "public class Main { public static void mian(String[] a) { } }\n",
    "not public": "class Main {\n  public static void main(String[] a) {\n"
    '    System.out.println(System.getProperty("java.class.path"));\n'
    "    System.out.println(new TreeSet<>(System.getenv().keySet()));\n  }\n}\n"
    "class TreeSet<T> extends java.util.TreeSet<T> { TreeSet(java.util.Set<T> s) { super(s); } }\n",
    "stack overflow": _main("f(1);").replace(
        "  }\n}\n", "  }\n  static int f(int n) { return f(n + 1) + 1; }\n}\n", 1
    ),
    "own handler": _main(
        'Thread.setDefaultUncaughtExceptionHandler((t, e) -> System.out.println("mine: " + e));\n'
        'throw new RuntimeException("boom");'
    ),
    "thread outlives main": _main(
        "Thread t = new Thread(() -> { try { Thread.sleep(200); } catch (Exception e) { }\n"
        '  System.out.println("late"); });\nt.start();\nthrow new RuntimeException("main ends");'
    ),
}


def test_a_pooled_build_answers_as_an_unpooled_one(sandbox: Sandbox, java_pool: JavaPool) -> None:
    own = java_pool(size=1)
    pool = _pool(own)
    verdicts = {}
    for name, code in PROGRAMS.items():
        assert pool.wait_filled(120.0), pool.stats
        before = pool.stats.handed_out
        pooled = own.run(code, "java", "21\n", LIMITS)
        # the build took a pooled sandbox, and so did the run when there was one
        ran = 1 if pooled.verdict is Verdict.COMPILATION_ERROR else 2
        assert pool.stats.handed_out == before + ran, (name, pool.stats)
        unpooled = sandbox.run(code, "java", "21\n", LIMITS)
        assert _answer(pooled) == _answer(unpooled), name
        verdicts[name] = pooled.verdict
    # each program ends as it is there to (so the comparisons compared something)
    assert verdicts == {
        "syntax error": Verdict.COMPILATION_ERROR,
        "wrong class name": Verdict.COMPILATION_ERROR,
        "many errors": Verdict.COMPILATION_ERROR,
        "unchecked note": Verdict.OK,
        "input and exception": Verdict.RUNTIME_ERROR,
        "exit code": Verdict.RUNTIME_ERROR,
        "time limit": Verdict.TIME_LIMIT_EXCEEDED,
        "heap": Verdict.MEMORY_LIMIT_EXCEEDED,
        "non-ascii": Verdict.OK,
        "caused by": Verdict.RUNTIME_ERROR,
        "static init": Verdict.RUNTIME_ERROR,
        "no main": Verdict.RUNTIME_ERROR,
        "not public": Verdict.OK,
        "stack overflow": Verdict.RUNTIME_ERROR,
        "own handler": Verdict.RUNTIME_ERROR,
        "thread outlives main": Verdict.RUNTIME_ERROR,
    }


def test_a_pooled_build_shows_the_compilers_own_words(java_pool: JavaPool) -> None:
    own = java_pool(size=1)
    result = own.run(PROGRAMS["syntax error"], "java", "", LIMITS)
    assert _pool(own).stats.handed_out == 1
    assert result.verdict is Verdict.COMPILATION_ERROR
    assert result.exit_code == 1
    assert result.stderr == (
        "/sandbox/Main.java:4: error: illegal start of expression\n  }\n  ^\n1 error\n"
    )
    assert _pool(own).wait_filled(120.0)
    ran = own.run(PROGRAMS["input and exception"], "java", "0\n", LIMITS)
    assert (ran.verdict, ran.stdout, ran.stderr) == (Verdict.OK, "0\n", "")
    assert _pool(own).wait_filled(120.0)
    thrown = own.run(PROGRAMS["caused by"], "java", "", LIMITS)
    assert _pool(own).stats.handed_out == 5
    # the JVM's own report, without a frame of our launcher or of the call into main
    assert thrown.stderr.startswith(
        'Exception in thread "main" java.lang.IllegalStateException: wrapped\n'
        "\tat Main.main(Main.java:6)\n"
        "\tSuppressed: java.io.IOException: also\n"
        "\t\tat Main.main(Main.java:7)\n"
        "Caused by: java.lang.NumberFormatException:"
    ), thrown.stderr
    assert "Coderunner" not in thrown.stderr
    assert "invoke" not in thrown.stderr


def test_a_program_finds_no_trace_of_the_previous_learner(java_pool: JavaPool) -> None:
    own = java_pool(size=2)
    first = _main(
        'new FileWriter("/tmp/secret").append("first learner").close();\n'
        "System.out.println(new Secret().toString().length() > 0);",
        "class Secret { }\n",
    )
    ran = own.run(first, "java", "", LIMITS)
    assert (ran.verdict, ran.stdout) == (Verdict.OK, "true\n"), ran
    probe = _main(
        """
StringBuilder pids = new StringBuilder();
for (String p : new File("/proc").list()) if (p.matches("[0-9]+")) pids.append(p).append(',');
String[] build = new File("/build").list();
Arrays.sort(build);
System.out.println(String.join(",", build));
System.out.println(String.join(",", new File("/tmp").list()));
System.out.println(new TreeSet<>(System.getenv().keySet()));
System.out.println(pids);
for (String name : new String[] {"mem", "environ", "fd"}) {
  File target = new File("/proc/1/" + name);
  try {
    if (name.equals("fd")) System.out.println(target.list() == null ? "denied" : "readable");
    else { new FileInputStream(target).read(); System.out.println("readable"); }
  } catch (IOException e) { System.out.println("denied"); }
}
try { new FileWriter("/build/planted.class").close(); System.out.println("wrote /build"); }
catch (IOException e) { System.out.println("/build read-only"); }
"""
    )
    result = own.run(probe, "java", "", LIMITS)
    assert _pool(own).stats.handed_out == 4  # two builds, two runs
    assert result.verdict is Verdict.OK, result
    lines = result.stdout.splitlines()
    assert lines[0] == "Main.class", "only this learner's classes (no Secret, no warm-up)"
    assert lines[1] == ""
    env = lines[2].strip("[]").split(", ")
    assert "CODERUNNER_POOLED_FD" not in env, env
    assert sorted(int(p) for p in lines[3].strip(",").split(",")) == [1, 2]
    assert lines[4:7] == ["denied", "denied", "denied"]
    assert lines[7] == "/build read-only"


def test_the_host_check_sees_the_jdks_executables(sandbox: Sandbox) -> None:
    """The JDK is mounted as a folder, whose files the hand-out's host check does not stat; the
    executables the commands start (an upgrade replaces them) are in it, so a JDK upgraded under
    a running service retires the sandboxes started on the old one."""
    java = get_language("java")
    assert java.compile is not None
    checked = {path for path, *_ in host_fingerprint(sandbox, java)}
    assert os.path.realpath(java.run[0]) in checked
    assert os.path.realpath(java.compile[0]) in checked


def test_a_build_that_waited_too_long_is_destroyed_not_used(java_pool: JavaPool) -> None:
    own = java_pool(size=1)
    pool = _pool(own)
    member = next(iter(pool._idle)).waiting
    pool.max_idle_s = 0.0  # every waiting sandbox is now too old
    result = own.run(PROGRAMS["exit code"], "java", "", LIMITS)
    assert (result.verdict, result.exit_code, result.stdout) == (
        Verdict.RUNTIME_ERROR,
        3,
        "bye",
    )
    assert pool.stats.handed_out == 0
    assert pool.stats.expired >= 1
    assert wait_exit(member.run.pid, 30.0), "a sandbox past its idle age was left waiting"
    deadline = time.monotonic() + 30.0
    while member.build_dir and os.path.exists(member.build_dir):
        assert time.monotonic() < deadline, "its build dir was left behind"
        time.sleep(0.01)


@pytest.mark.parametrize("build", [True, False])
def test_a_sandbox_whose_control_closes_early_ends_by_itself(
    java_pool: JavaPool, build: bool
) -> None:
    own = java_pool(size=1)
    pool = _pool(own)
    lang = get_language("java")
    limits = own.compile_limits(lang) if build else own.resolve_limits(lang, LIMITS)
    waiting = pool.take(lang, limits, False, build=build)
    assert waiting is not None
    assert waiting.build_dir is not None
    assert os.path.isdir(waiting.build_dir)
    waiting.run.owned.close(waiting.control)  # the host's end goes away before any go
    try:
        assert wait_exit(waiting.run.pid, 30.0), "the sandbox hung on a closed control socket"
        assert not waiting.alive()
        assert os.listdir(waiting.build_dir) == [], "nothing was compiled"
    finally:
        pool.done(waiting)
    deadline = time.monotonic() + 30.0

    def torn_down() -> bool:
        return waiting.run.finished and not os.path.exists(str(waiting.build_dir))

    while not torn_down() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert torn_down()


@pytest.mark.parametrize("delay_s", [0.0, 0.05, 0.5])
def test_a_build_refill_racing_shutdown_leaves_nothing(sandbox: Sandbox, delay_s: float) -> None:
    config = replace(sandbox.config, pool_languages=frozenset({"java"}))
    own = Sandbox(config, sandbox.cgroups)
    before = set(leftover_tempdirs())
    try:
        own.start_pool(2, 3600.0, LIMITS)
        assert own.pool is not None
        time.sleep(delay_s)  # close while a JVM starts (the exact moment varies)
    finally:
        own.close()
    assert_pool_left_nothing(sandbox, own)
    assert set(leftover_tempdirs()) - before == set(), "a pooled build dir was left behind"


def test_the_build_step_and_the_run_are_pooled_kinds(sandbox: Sandbox) -> None:
    own = Sandbox(replace(sandbox.config, pool_languages=frozenset({"java"})), sandbox.cgroups)
    lang = get_language("java")
    kinds = own.pool_kinds(LIMITS)
    assert [(k.lang.key, k.build, k.limits) for k in kinds] == [
        ("java", True, own.compile_limits(lang)),
        ("java", False, own.resolve_limits(lang, LIMITS)),
    ]
    # whatever limits a run asks for, its build takes the same pooled sandbox
    other = own.pool_kinds(LIMITS.with_overrides(memory_mb=200))
    assert other[0] == kinds[0]
    assert other[1] != kinds[1]


def test_the_pooled_build_compiles_with_the_build_steps_own_options() -> None:
    lang = get_language("java")
    assert lang.compile is not None
    assert lang.pooled_compile is not None
    javac, *compile_args = lang.compile
    jvm_flags = [a.removeprefix("-J") for a in compile_args if a.startswith("-J")]
    javac_args = [a for a in compile_args if not a.startswith("-J")]
    relay, java, *pooled = lang.pooled_compile
    assert relay == "--pooled={control}"
    assert os.path.dirname(java) == os.path.dirname(javac)  # the same JDK
    launcher = pooled.index("/usr/lib/coderunner/PooledJavac.java")
    assert pooled[launcher + 1 :] == javac_args
    # the javac launcher's own -Xms8m, and the opening that lets ours use init's socket
    assert pooled[:launcher] == [
        "-Xms8m",
        *jvm_flags,
        "--add-opens=java.base/java.io=ALL-UNNAMED",
    ]


def test_only_a_builds_plain_files_reach_a_pooled_run(tmp_path: Path) -> None:
    build, target = tmp_path / "build", tmp_path / "target"
    build.mkdir()
    target.mkdir()
    (build / "Main.class").write_bytes(b"\xca\xfe")
    (build / "pkg").mkdir()
    (build / "pkg" / "Helper.class").write_bytes(b"\xca\xfe\xba\xbe")
    assert copy_classes(str(build), str(target), 62201)
    assert (target / "pkg" / "Helper.class").read_bytes() == b"\xca\xfe\xba\xbe"
    assert (target / "Main.class").stat().st_uid == 62201
    for planted in ("link", "fifo"):
        again = tmp_path / f"again-{planted}"
        again.mkdir()
        if planted == "link":
            (build / "pkg" / "secret").symlink_to("/etc/shadow")
        else:
            (build / "pkg" / "secret").unlink()
            os.mkfifo(build / "pkg" / "secret")
        assert not copy_classes(str(build), str(again), 62201)
        assert list(again.iterdir()) == [], "a refused copy leaves the pooled build dir empty"


def test_too_large_a_build_is_not_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from coderunner.sandbox import pooled_launcher

    build, target = tmp_path / "build", tmp_path / "target"
    build.mkdir()
    target.mkdir()
    (build / "Main.class").write_bytes(b"x" * 100)
    monkeypatch.setattr(pooled_launcher, "MAX_CLASS_BYTES", 99)
    assert not copy_classes(str(build), str(target), 62201)
    monkeypatch.setattr(pooled_launcher, "MAX_CLASS_BYTES", 100)
    monkeypatch.setattr(pooled_launcher, "MAX_CLASS_FILES", 0)
    assert not copy_classes(str(build), str(target), 62201)
    assert list(target.iterdir()) == []


def test_the_launcher_is_built_once_and_an_untrusted_one_rebuilt(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    lang = get_language("java")
    root = tmp_path / "launchers"
    built = Path(launcher_dir(sandbox, lang, root))
    assert built.parent == root
    assert built.name == launcher_key(lang)
    made = (built / "CoderunnerPooledJava.class").stat()
    assert Path(launcher_dir(sandbox, lang, root)) == built
    assert (built / "CoderunnerPooledJava.class").stat().st_mtime_ns == made.st_mtime_ns
    os.chmod(built / "CoderunnerPooledJava.class", 0o666)  # anyone could have changed it
    assert Path(launcher_dir(sandbox, lang, root)) == built
    rebuilt = (built / "CoderunnerPooledJava.class").stat()
    assert rebuilt.st_mode & 0o777 == 0o644
    assert rebuilt.st_ino != made.st_ino


def test_graded_inputs_take_pooled_builds_and_runs(sandbox: Sandbox, java_pool: JavaPool) -> None:
    own = java_pool(size=2)
    pool = _pool(own)
    code = _main("Scanner in = new Scanner(System.in);\nint n = in.nextInt();\nSystem.exit(n);")
    inputs = ["0\n", "3\n"]
    pooled = own.run_batch(code, "java", inputs, LIMITS)
    assert pool.stats.handed_out == 3, pool.stats  # one build, then a run for each input
    unpooled = sandbox.run_batch(code, "java", inputs, LIMITS)
    assert [_answer(r) for r in pooled] == [_answer(r) for r in unpooled]
    assert [r.exit_code for r in pooled] == [0, 3]


@pytest.mark.parametrize("pooled", ["build", "run"])
def test_one_step_pooled_answers_as_both_unpooled(sandbox: Sandbox, pooled: str) -> None:
    java = get_language("java")
    if pooled == "build":  # the run after a pooled build: its own sandbox, on the member's dir
        java = replace(java, pooled_run=None, pooled_launcher=None)
    else:  # a pooled run after a build of its own
        java = replace(java, pooled_compile=None)
    config = replace(sandbox.config, languages={"java": java}, pool_languages=frozenset({"java"}))
    own = Sandbox(config, sandbox.cgroups)
    try:
        own.start_pool(1, 3600.0, LIMITS)
        pool = _pool(own)
        assert len(pool.kinds) == 1
        assert pool.wait_filled(120.0), pool.stats
        code = PROGRAMS["input and exception"]
        result = own.run(code, "java", "21\n", LIMITS)
        assert pool.stats.handed_out == 1
        assert _answer(result) == _answer(sandbox.run(code, "java", "21\n", LIMITS))
        assert (result.verdict, result.stdout) == (Verdict.RUNTIME_ERROR, "42\n")
    finally:
        own.close()
