"""Java's pooled build step (ADR 0014, guest/PooledJavac.java), with real bubblewrap.

A pooled `javac` sandbox waits with javac warmed up; the run that follows reads the classes in
the pooled sandbox's own build dir. Each answer must be the unpooled one's; each test gets a
sandbox of its own with the pool on, over the suite's uids, so the suite's host-clean check
(processes, cgroups, build dirs) covers every pooled sandbox after the pool drained.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from coderunner.sandbox import Limits, RunResult, Sandbox, Verdict
from coderunner.sandbox.languages import get_language
from coderunner.sandbox.pool import SandboxPool
from coderunner.sandbox.spawner_client import wait_exit

from .conftest import leftover_cgroups, leftover_tempdirs, processes_of

pytestmark = pytest.mark.sandbox

LIMITS = Limits(wall_time_s=2.0, cpu_time_s=2.0, memory_mb=384, max_processes=128)
JavaPool = Callable[..., Sandbox]


@pytest.fixture
def java_pool(sandbox: Sandbox) -> Iterator[JavaPool]:
    made: list[Sandbox] = []

    def make(size: int = 1, max_idle_s: float = 3600.0) -> Sandbox:
        config = replace(sandbox.config, pool_languages=frozenset({"java"}))
        own = Sandbox(config, sandbox.cgroups)
        made.append(own)
        own.start_pool(size, max_idle_s, LIMITS)
        assert own.pool is not None
        assert own.pool.wait_filled(120.0), own.pool.stats
        return own

    yield make
    for own in made:
        own.close()  # drains the pool: the suite's check then finds nothing left


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
}


def test_a_pooled_build_answers_as_an_unpooled_one(sandbox: Sandbox, java_pool: JavaPool) -> None:
    own = java_pool(size=1)
    pool = _pool(own)
    verdicts = {}
    for number, (name, code) in enumerate(PROGRAMS.items(), start=1):
        assert pool.wait_filled(120.0), pool.stats
        pooled = own.run(code, "java", "21\n", LIMITS)
        assert pool.stats.handed_out == number, (name, pool.stats)
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
    ran = own.run(PROGRAMS["input and exception"], "java", "0\n", LIMITS)
    assert (ran.verdict, ran.stdout, ran.stderr) == (Verdict.OK, "0\n", "")


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
    assert _pool(own).stats.handed_out == 2
    assert result.verdict is Verdict.OK, result
    lines = result.stdout.splitlines()
    assert lines[0] == "Main.class", "only this learner's classes (no Secret, no warm-up)"
    assert lines[1] == ""
    env = lines[2].strip("[]").split(", ")
    assert "CODERUNNER_POOLED_FD" not in env, env
    assert sorted(int(p) for p in lines[3].strip(",").split(",")) == [1, 2]
    assert lines[4:7] == ["denied", "denied", "denied"]
    assert lines[7] == "/build read-only"


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


def test_a_build_whose_control_closes_early_ends_by_itself(java_pool: JavaPool) -> None:
    own = java_pool(size=1)
    pool = _pool(own)
    lang = get_language("java")
    waiting = pool.take(lang, own.compile_limits(lang), False, build=True)
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
    assert sorted(own.uids._free) == list(own.uids.uids), "a pooled sandbox kept its uid"
    deadline = time.monotonic() + 30.0
    while processes_of(own.uids.uids) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert processes_of(own.uids.uids) == []
    assert leftover_cgroups(sandbox) == []
    assert set(leftover_tempdirs()) - before == set(), "a pooled build dir was left behind"


def test_the_build_step_is_pooled_under_its_own_limits(sandbox: Sandbox) -> None:
    own = Sandbox(replace(sandbox.config, pool_languages=frozenset({"java"})), sandbox.cgroups)
    lang = get_language("java")
    kinds = own.pool_kinds(LIMITS)
    assert [(k.lang.key, k.build, k.limits) for k in kinds] == [
        ("java", True, own.compile_limits(lang))
    ]
    # whatever limits a run asks for, its build takes the same pooled sandbox
    assert own.pool_kinds(LIMITS.with_overrides(memory_mb=200)) == kinds


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
