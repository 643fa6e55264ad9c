"""Attacks through output and input: floods, huge lines, binary and invalid UTF-8."""

from __future__ import annotations

import json

import pytest

from coderunner.sandbox import Limits, Sandbox, Verdict

pytestmark = pytest.mark.sandbox


def test_stdout_flood_is_truncated_and_stopped(sandbox: Sandbox) -> None:
    result = sandbox.run("while True:\n    print('spam' * 100)", limits=Limits(output_kb=16))
    assert result.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert result.truncated
    assert len(result.stdout.encode()) == 16 * 1024
    assert result.wall_ms < 2000


def test_one_huge_line_is_truncated(sandbox: Sandbox) -> None:
    result = sandbox.run("import sys\nsys.stdout.write('x' * 10**7)", limits=Limits(output_kb=8))
    assert result.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert result.stdout == "x" * 8 * 1024


def test_stderr_flood_is_truncated(sandbox: Sandbox) -> None:
    code = "import sys\nwhile True:\n    sys.stderr.write('e' * 4096)"
    result = sandbox.run(code, limits=Limits(output_kb=4))
    assert result.verdict is Verdict.OUTPUT_LIMIT_EXCEEDED
    assert len(result.stderr) == 4096


def test_output_at_the_limit_is_not_truncated(sandbox: Sandbox) -> None:
    result = sandbox.run("import sys\nsys.stdout.write('y' * 4096)", limits=Limits(output_kb=4))
    assert result.verdict is Verdict.OK
    assert not result.truncated


def test_invalid_utf8_and_nul_bytes_come_back_as_text(sandbox: Sandbox) -> None:
    code = "import sys\nsys.stdout.buffer.write(b'ok\\xff\\xfe\\x00end\\n' + bytes(range(256)))"
    result = sandbox.run(code)
    assert result.verdict is Verdict.OK
    assert result.stdout.startswith("ok\\xff\\xfe\\x00end\n")
    assert "\x00" not in result.stdout
    json.dumps(result.to_dict())  # valid for JSON
    result.stdout.encode("utf-8")  # and for UTF-8 storage


def test_unicode_output_survives(sandbox: Sandbox) -> None:
    result = sandbox.run("print('héllo wörld 🐍 你好')")
    assert result.stdout == "héllo wörld 🐍 你好\n"


def test_stdin_is_delivered_and_ends(sandbox: Sandbox) -> None:
    code = "import sys\ndata = sys.stdin.read()\nprint(len(data), data.count(chr(10)))"
    stdin = "line\n" * 10000
    assert sandbox.run(code, stdin=stdin).stdout == "50000 10000\n"


def test_input_without_stdin_is_eof_error(sandbox: Sandbox) -> None:
    result = sandbox.run("name = input()")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert "EOFError" in result.stderr


def test_stdin_cannot_be_written_back(sandbox: Sandbox) -> None:
    code = """
import os
try:
    os.write(0, b"overwrite")
    print("WROTE")
except OSError as exc:
    print("refused", exc.errno)
"""
    assert sandbox.run(code, stdin="original").stdout.startswith("refused")


def test_to_dict_has_the_contract_fields(sandbox: Sandbox) -> None:
    data = sandbox.run("print(1)").to_dict()
    assert set(data) == {
        "verdict",
        "exitCode",
        "signal",
        "stdout",
        "stderr",
        "timeMs",
        "wallMs",
        "memoryKb",
        "truncated",
    }
    assert data["memoryKb"] > 0
    assert data["wallMs"] >= data["timeMs"] >= 0 or data["timeMs"] >= 0
