"""The language registry, and the compile step attacked through a language defined as data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from coderunner.sandbox import Sandbox, SandboxConfig, UnknownLanguageError, Verdict, registry
from coderunner.sandbox.cgroups import Backend
from coderunner.sandbox.languages import get_language, parse_registry
from coderunner.sandbox.runner import Sandbox as SandboxClass

pytestmark = pytest.mark.sandbox

# A compiled language, as data: its "compiler" runs the learner's file as a build script with
# /build writable; the run step executes what the build left there.
BUILD_LANGUAGE = """
buildscript:
  name: Build script
  fileName: build.py
  compile: ["/usr/bin/python3", "-I", "{file}"]
  run: ["/usr/bin/python3", "-I", "/build/main.py"]
  mounts:
    - /usr/bin/python3.11:/usr/bin/python3
    - /usr/lib/python3.11
    - /usr/lib/x86_64-linux-gnu
    - ?/usr/lib64
    - ?/lib64
    - ?/lib
  limits: {wallTimeS: 3}
"""


@pytest.fixture
def build_sandbox(sandbox: Sandbox) -> Iterator[Sandbox]:
    languages = {**registry(), **parse_registry(BUILD_LANGUAGE)}
    config: SandboxConfig = replace(sandbox.config, languages=languages)
    backend: Backend = sandbox.cgroups
    with_build = SandboxClass(config, backend)
    yield with_build
    with_build.close()


def test_registry_enables_python_javascript_and_java() -> None:
    languages = registry()
    assert all(languages[key].enabled for key in ("python", "javascript", "java"))
    assert languages["java"].compile is not None
    assert languages["java"].compile_limit_overrides["memory_mb"] >= 256
    with pytest.raises(UnknownLanguageError):
        get_language("cobol")


def test_libyaml_reads_the_registry_as_pure_python_does() -> None:
    import yaml

    text = (Path(__file__).parents[2] / "src/coderunner/sandbox/languages.yaml").read_text()
    assert hasattr(yaml, "CSafeLoader"), "PyYAML without libyaml: exec parses slowly"
    assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.safe_load(text)


def test_registry_rejects_a_disabled_language() -> None:
    languages = parse_registry(BUILD_LANGUAGE + "  enabled: false\n")
    with pytest.raises(UnknownLanguageError):
        get_language("buildscript", languages)


def test_registry_rejects_unknown_limit_names() -> None:
    with pytest.raises(ValueError, match="unknown limits"):
        parse_registry(BUILD_LANGUAGE.replace("wallTimeS", "wallTime"))


def test_language_limit_overrides_apply(build_sandbox: Sandbox) -> None:
    lang = build_sandbox.config.languages["buildscript"]
    assert build_sandbox.resolve_limits(lang, None).wall_time_s == 3


def test_compile_step_output_reaches_the_run_step(build_sandbox: Sandbox) -> None:
    code = "open('/build/main.py', 'w').write('print(input() * 2)')"
    result = build_sandbox.run(code, language="buildscript", stdin="ab")
    assert result.verdict is Verdict.OK, result.stderr
    assert result.stdout == "abab\n"


def test_failing_compile_step_is_a_compilation_error(build_sandbox: Sandbox) -> None:
    result = build_sandbox.run("def broken(:", language="buildscript")
    assert result.verdict is Verdict.COMPILATION_ERROR
    assert "SyntaxError" in result.stderr


def test_build_dir_is_read_only_in_the_run_step(build_sandbox: Sandbox) -> None:
    code = (
        "open('/build/main.py', 'w').write("
        '\'try:\\n    open("/build/x", "w")\\n    print("WROTE")\\n'
        'except OSError:\\n    print("read-only")\')'
    )
    assert build_sandbox.run(code, language="buildscript").stdout == "read-only\n"


def test_symlinks_planted_in_the_build_dir_are_never_followed(
    build_sandbox: Sandbox, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me")
    os.chmod(tmp_path, 0o755)
    code = f"""
import os
os.symlink({str(victim)!r}, "/build/dir-link")
os.symlink({str(victim / "precious.txt")!r}, "/build/file-link")
os.symlink("/etc/passwd", "/build/passwd-link")
open("/build/main.py", "w").write("print('ran')")
"""
    result = build_sandbox.run(code, language="buildscript")
    assert result.verdict is Verdict.OK, result.stderr
    # the host removed the build dir without following any link into its own files
    assert (victim / "precious.txt").read_text() == "keep me"
    assert Path("/etc/passwd").exists()


def test_symlink_in_tmp_points_at_nothing_of_the_host(sandbox: Sandbox) -> None:
    code = """
import os
os.symlink("/etc/shadow", "/tmp/shadow")
try:
    print(open("/tmp/shadow").read())
except OSError as exc:
    print("dangling", exc.errno)
"""
    assert sandbox.run(code).stdout == "dangling 2\n"
