"""The attack suite's classes, written in Java: the compile step (its own sandbox, its own limits,
no annotation processors, huge or pathological sources) and the run (ProcessBuilder, threads,
heap and native memory, CPU, files, network, /proc, host secrets). Each program compiles first,
so several probes share one program where they can; the fixture checks the host is left clean."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

from coderunner.sandbox import Limits, RunResult, Sandbox, Verdict
from coderunner.sandbox.languages import Language

pytestmark = pytest.mark.sandbox

JAVA_LIMITS = Limits(wall_time_s=5.0, cpu_time_s=5.0, memory_mb=384, max_processes=128)


def java(sandbox: Sandbox, body: str, stdin: str = "", limits: Limits | None = None) -> RunResult:
    """Run `body` as the statements of main (imports of java.io/net/nio/util are there)."""
    code = (
        "import java.io.*;\nimport java.net.*;\nimport java.nio.file.*;\nimport java.util.*;\n"
        "public class Main {\n  public static void main(String[] args) throws Exception {\n"
        f"{body}\n  }}\n}}\n"
    )
    return sandbox.run(code, "java", stdin, limits)


def test_hello_reads_stdin_and_prints(sandbox: Sandbox) -> None:
    result = java(
        sandbox,
        "Scanner in = new Scanner(System.in);\n"
        "int a = in.nextInt(), b = in.nextInt();\nSystem.out.println(a + b);",
        "2 3\n",
    )
    assert result.verdict is Verdict.OK, result.stderr
    assert result.stdout == "5\n"
    assert result.stderr == ""


def test_compile_error_carries_the_compilers_message(sandbox: Sandbox) -> None:
    code = "public class Main {\n  public static void main(String[] a) {\n    int x = \n  }\n}\n"
    result = sandbox.run(code, "java")
    assert result.verdict is Verdict.COMPILATION_ERROR
    assert "Main.java:4: error" in result.stderr


def test_wrong_class_name_is_a_compilation_error(sandbox: Sandbox) -> None:
    result = sandbox.run("public class Hello { public static void main(String[] a) {} }", "java")
    assert result.verdict is Verdict.COMPILATION_ERROR
    assert "should be declared in a file named Hello.java" in result.stderr


def test_uncaught_exception_is_a_runtime_error(sandbox: Sandbox) -> None:
    result = java(sandbox, "int[] a = new int[2];\nSystem.out.println(a[5]);")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "ArrayIndexOutOfBoundsException" in result.stderr


def test_annotation_processors_never_run_in_the_compiler(sandbox: Sandbox) -> None:
    # A processor that would write a marker as the compiler runs, registered the way javac
    # discovers them; -proc:none means javac never looks.
    code = """
import java.util.Set;
import javax.annotation.processing.*;
import javax.lang.model.element.TypeElement;

@SupportedAnnotationTypes("*")
public class Main extends AbstractProcessor {
    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment env) {
        throw new RuntimeException("PROCESSOR RAN");
    }
    public static void main(String[] args) {
        System.out.println("compiled without processing");
    }
}
"""
    result = sandbox.run(code, "java")
    assert result.verdict is Verdict.OK, result.stderr
    assert "PROCESSOR RAN" not in result.stdout + result.stderr
    lang = sandbox.config.languages["java"]
    assert lang.compile is not None
    assert "-proc:none" in lang.compile


def test_deeply_nested_source_stops_the_compiler_not_the_host(sandbox: Sandbox) -> None:
    depth = 20000
    expression = "(" * depth + "1" + ")" * depth
    code = (
        f"public class Main {{ static int x = {expression};\n"
        "public static void main(String[] a) {} }"
    )
    result = sandbox.run(code, "java")
    assert result.verdict is Verdict.COMPILATION_ERROR
    assert result.wall_ms < 30000


def test_huge_generated_source_is_bounded_by_the_compile_limits(sandbox: Sandbox) -> None:
    # a source as large as the API accepts (64 KB): 1000+ methods for the compiler to check
    lines = "\n".join(f"    static int f{i}() {{ return {i} * {i} + {i}; }}" for i in range(1200))
    main = "    public static void main(String[] a) { System.out.println(f7()); }"
    code = f"public class Main {{\n{lines}\n{main}\n}}\n"
    assert len(code) < 65536
    result = sandbox.run(code, "java")
    assert result.verdict in {Verdict.OK, Verdict.COMPILATION_ERROR}, result.stderr[-500:]
    if result.verdict is Verdict.OK:
        assert result.stdout == "56\n"


def test_compile_time_constant_blow_up_is_a_compilation_error(sandbox: Sandbox) -> None:
    # string constants doubling at compile time: javac refuses over 65535 bytes
    parts = ['static final String S0 = "xxxxxxxxxxxxxxxx";']
    parts += [f"static final String S{i} = S{i - 1} + S{i - 1};" for i in range(1, 40)]
    code = (
        "public class Main {\n" + "\n".join(parts) + "\n"
        "public static void main(String[] a) { System.out.println(S39.length()); } }"
    )
    result = sandbox.run(code, "java")
    assert result.verdict is Verdict.COMPILATION_ERROR
    assert result.wall_ms < 30000


def test_fork_bomb_through_process_builder_is_contained(sandbox: Sandbox) -> None:
    body = """
String java = System.getProperty("java.home") + "/bin/java";
List<Process> ps = new ArrayList<>();
int started = 0;
for (int i = 0; i < 1000; i++) {
    try { ps.add(new ProcessBuilder(java, "-cp", "/build", "Main").start()); started++; }
    catch (Throwable e) { System.out.println("refused after " + started); break; }
}
Thread.sleep(60000);
"""
    limits = Limits(wall_time_s=4.0, cpu_time_s=4.0, memory_mb=384, max_processes=48)
    result = java(sandbox, body, "", limits)
    assert result.verdict in {
        Verdict.TIME_LIMIT_EXCEEDED,
        Verdict.MEMORY_LIMIT_EXCEEDED,
        Verdict.RUNTIME_ERROR,
    }
    assert result.wall_ms < 15000
    # host_stays_clean: none of the started JVMs outlived the run


def test_no_shell_or_other_programs(sandbox: Sandbox) -> None:
    body = """
for (String cmd : new String[] {"/bin/sh", "/bin/bash", "/usr/bin/python3", "/usr/bin/javac"}) {
    try { new ProcessBuilder(cmd, "-c", "echo pwned").start(); System.out.println("RAN " + cmd); }
    catch (IOException e) { System.out.println("missing " + cmd); }
}
"""
    result = java(sandbox, body)
    assert result.verdict is Verdict.OK, result.stderr
    assert "RAN" not in result.stdout
    assert result.stdout.count("missing") == 4


def test_thread_bomb_is_contained(sandbox: Sandbox) -> None:
    body = """
int made = 0;
try {
    for (int i = 0; i < 10000; i++) {
        Thread t = new Thread(() -> { while (true) { Thread.onSpinWait(); } });
        t.setDaemon(true);
        t.start();
        made++;
    }
} catch (Throwable e) { System.out.println("refused after " + made + ": " + e); }
Thread.sleep(60000);
"""
    result = java(sandbox, body, "", JAVA_LIMITS)
    assert result.verdict in {
        Verdict.TIME_LIMIT_EXCEEDED,
        Verdict.MEMORY_LIMIT_EXCEEDED,
        Verdict.RUNTIME_ERROR,
    }
    assert result.wall_ms < 15000


def test_heap_growth_is_memory_limit_exceeded(sandbox: Sandbox) -> None:
    body = "List<long[]> keep = new ArrayList<>();\nwhile (true) keep.add(new long[1_000_000]);"
    result = java(sandbox, body)
    assert result.verdict is Verdict.MEMORY_LIMIT_EXCEEDED, result.stderr[-500:]


def test_native_memory_is_bounded(sandbox: Sandbox) -> None:
    body = """
List<java.nio.ByteBuffer> keep = new ArrayList<>();
while (true) keep.add(java.nio.ByteBuffer.allocateDirect(8 << 20));
"""
    result = java(sandbox, body)
    assert result.verdict in {Verdict.MEMORY_LIMIT_EXCEEDED, Verdict.RUNTIME_ERROR}
    assert result.memory_kb <= 384 * 1024 + 1024


def test_cpu_spin_is_time_limit_exceeded(sandbox: Sandbox) -> None:
    result = java(sandbox, "long x = 0;\nwhile (true) { x++; }", "", JAVA_LIMITS)
    assert result.verdict is Verdict.TIME_LIMIT_EXCEEDED


def test_deep_recursion_is_a_runtime_error(sandbox: Sandbox) -> None:
    code = """
public class Main {
    static int f(int n) { return f(n + 1) + 1; }
    public static void main(String[] a) { f(0); }
}
"""
    result = sandbox.run(code, "java")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "StackOverflowError" in result.stderr


def test_files_outside_tmp_and_tmpfs_cap(sandbox: Sandbox) -> None:
    body = """
String[] paths = {"/marker", "/usr/marker", "/build/Evil.class", "/sandbox/Main.java"};
for (String p : paths) {
    try { Files.writeString(Paths.get(p), "x"); System.out.println("WROTE " + p); }
    catch (IOException e) { System.out.println("refused " + p); }
}
byte[] block = new byte[1 << 20];
int written = 0;
try {
    for (int i = 0; ; i++) { Files.write(Paths.get("/tmp/f" + i), block); written++; }
} catch (IOException e) { System.out.println("full after " + written); }
"""
    result = java(sandbox, body, "", Limits(memory_mb=384, max_processes=128, tmpfs_mb=8))
    assert result.verdict is Verdict.OK, result.stderr
    assert "WROTE" not in result.stdout
    assert result.stdout.count("refused") == 4
    full = [line for line in result.stdout.splitlines() if line.startswith("full after")]
    assert full
    assert int(full[0].split()[-1]) <= 8


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


def test_network_and_dns_are_unreachable(
    sandbox: Sandbox, host_listener: tuple[int, list[str]]
) -> None:
    port, accepted = host_listener
    body = f"""
int[][] ports = {{{{127, {port}}}, {{127, 5432}}, {{127, 6379}}, {{1, 80}}}};
for (int[] t : ports) {{
    String host = t[0] == 127 ? "127.0.0.1" : "1.1.1.1";
    try (Socket s = new Socket()) {{
        s.connect(new InetSocketAddress(host, t[1]), 1000);
        System.out.println("CONNECTED " + host + ":" + t[1]);
    }} catch (IOException e) {{ System.out.println("refused " + t[1]); }}
}}
try {{ System.out.println("RESOLVED " + InetAddress.getByName("example.com")); }}
catch (IOException e) {{ System.out.println("no dns"); }}
"""
    result = java(sandbox, body, "", JAVA_LIMITS)
    assert result.verdict is Verdict.OK, result.stderr
    assert "CONNECTED" not in result.stdout
    assert "RESOLVED" not in result.stdout
    assert result.stdout.count("refused") == 4
    assert accepted == []


def test_proc_environment_and_host_paths(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://secret@db/prod")
    body = """
List<String> pids = new ArrayList<>();
StringBuilder environs = new StringBuilder();
for (File f : new File("/proc").listFiles()) {
    if (f.getName().matches("[0-9]+")) {
        pids.add(f.getName());
        try { environs.append(new String(Files.readAllBytes(Paths.get(f + "/environ")))); }
        catch (IOException e) { environs.append("unreadable"); }
    }
}
Collections.sort(pids);
List<String> visible = new ArrayList<>();
String[] paths = {"/etc/shadow", "/root", "/home", "/work", "/sys/fs/cgroup", "/usr/bin/node"};
for (String p : paths) {
    if (new File(p).exists()) visible.add(p);
}
System.out.println(String.join(",", pids));
System.out.println(System.getenv().keySet());
System.out.println(visible);
System.out.println(environs.toString().contains("secret") ? "LEAK" : "clean");
"""
    result = java(sandbox, body)
    assert result.verdict is Verdict.OK, result.stderr
    pids, env_keys, visible, environs = result.stdout.splitlines()
    assert pids == "1,2"
    assert set(env_keys.strip("[]").split(", ")) <= {"PATH", "HOME", "LANG", "TMPDIR", "PWD"}
    assert visible == "[]"
    assert environs == "clean"


def test_kill_minus_one_does_not_reach_the_host(sandbox: Sandbox) -> None:
    uid = sandbox.config.host_uid
    sleeper = subprocess.Popen(
        ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sleep", "30"]
    )
    try:
        # Java has no kill(-1); ProcessHandle sees only the sandbox's own processes
        body = """
long me = ProcessHandle.current().pid();
long others = ProcessHandle.allProcesses()
    .filter(p -> p.pid() != me).peek(p -> p.destroyForcibly()).count();
System.out.println("others " + others);
"""
        result = java(sandbox, body)
        assert result.verdict is Verdict.OK, result.stderr
        assert sleeper.poll() is None, "the sandbox reached a host process"
    finally:
        sleeper.kill()
        sleeper.wait()


def test_output_flood_is_truncated_and_stopped(sandbox: Sandbox) -> None:
    body = 'String s = "x".repeat(1000);\nwhile (true) System.out.print(s);'
    result = java(sandbox, body, "", JAVA_LIMITS)
    assert result.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert result.truncated


def test_compile_limits_are_the_languages_not_the_runs(sandbox: Sandbox) -> None:
    # a problem's small memory or time limit must not make javac fail
    result = java(
        sandbox, 'System.out.println("ok");', "", Limits(memory_mb=64, wall_time_s=2, cpu_time_s=2)
    )
    # not COMPILATION_ERROR: javac ran with the language's own limits
    assert result.verdict in {Verdict.OK, Verdict.MEMORY_LIMIT_EXCEEDED, Verdict.RUNTIME_ERROR}


def test_grading_batch_runs_each_input_fresh(sandbox: Sandbox) -> None:
    body = """
Path seen = Paths.get("/tmp/seen");
boolean stale = Files.exists(seen);
Files.writeString(seen, "x");
System.out.println((stale ? "STALE " : "fresh ") + new Scanner(System.in).nextLine());
"""
    code = (
        "import java.nio.file.*;\nimport java.util.*;\npublic class Main {\n"
        f"public static void main(String[] a) throws Exception {{\n{body}\n}}\n}}\n"
    )
    results = sandbox.run_batch(code, "java", ["1", "2"])
    assert [r.stdout for r in results] == ["fresh 1\n", "fresh 2\n"]


def test_graded_inputs_share_one_build_none_can_change(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A submission's inputs run on one build (javac is most of a Java run's cost), each in a
    fresh sandbox where the classes are read-only: no input's run changes what the next runs."""
    builds: list[str] = []
    build = sandbox.build

    def counted(lang: Language, source: bytes, build_dir: str) -> RunResult | None:
        builds.append(build_dir)
        return build(lang, source, build_dir)

    monkeypatch.setattr(sandbox, "build", counted)
    body = """
String tag = new Scanner(System.in).nextLine();
String note;
try { Files.writeString(Paths.get("/build/Main.class"), "x"); note = "overwrote"; }
catch (Exception e) { note = "kept"; }
try { Files.writeString(Paths.get("/build/Extra.class"), "x"); note += " added"; }
catch (Exception e) { note += " none"; }
System.out.println(tag + " " + note);
"""
    code = (
        "import java.nio.file.*;\nimport java.util.*;\npublic class Main {\n"
        f"public static void main(String[] a) throws Exception {{\n{body}\n}}\n}}\n"
    )
    results = sandbox.run_batch(code, "java", ["1", "2", "3"])
    assert [r.stdout for r in results] == ["1 kept none\n", "2 kept none\n", "3 kept none\n"]
    assert len(builds) == 1
    broken = sandbox.run_batch("public class Main { oops }", "java", ["1", "2"])
    assert [r.verdict for r in broken] == [Verdict.COMPILATION_ERROR] * 2
    assert "error" in broken[0].stderr
    assert len(builds) == 2  # one more build, for both inputs


def test_registry_flags_fit_the_memory_limit(sandbox: Sandbox) -> None:
    lang = sandbox.config.languages["java"]
    limits = sandbox.resolve_limits(lang, None)
    heap_mb = next(int(a[4:-1]) for a in lang.run if a.startswith("-Xmx"))
    meta_mb = next(int(a.split("=")[1][:-1]) for a in lang.run if "MaxMetaspaceSize" in a)
    assert heap_mb + meta_mb + 64 <= limits.memory_mb  # + code cache, threads, the JVM itself
    assert json.dumps(lang.compile_limit_overrides)  # the build has its own limits
