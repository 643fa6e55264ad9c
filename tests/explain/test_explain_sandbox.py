"""Explanations of runs in the real sandbox, where the learner's file is /sandbox/main.py."""

from __future__ import annotations

import pytest

from coderunner.explain import explain
from coderunner.sandbox import Limits, Sandbox

pytestmark = pytest.mark.sandbox


@pytest.mark.parametrize(
    ("code", "stdin", "kind", "line"),
    [
        ("x = 1\nprint(y)\n", "", "NameError", 2),
        ("n = 1\nif n > 0\n    print(n)\n", "", "SyntaxError", 2),
        ("def f():\n    return 1 / 0\n\nf()\n", "", "ZeroDivisionError", 2),
        ("a = input()\nb = input()\n", "1\n", "EOFError", 2),
        ("n = int(input())\n", "abc\n", "ValueError", 1),
        ("import numpy\n", "", "ModuleNotFoundError", 1),
    ],
)
def test_sandbox_tracebacks(
    real_sandbox: Sandbox, code: str, stdin: str, kind: str, line: int
) -> None:
    result = real_sandbox.run(code, language="python", stdin=stdin)
    assert result.verdict == "RUNTIME_ERROR", result
    found = explain(result.stderr, result.verdict, code, "10-12")
    assert found is not None
    assert (found.kind, found.line) == (kind, line)


def test_an_endless_loop_is_a_time_limit(real_sandbox: Sandbox) -> None:
    code = "n = 5\nwhile n > 0:\n    n = n + 1\n"
    result = real_sandbox.run(code, language="python", limits=Limits(wall_time_s=1, cpu_time_s=1))
    assert result.verdict == "TIME_LIMIT_EXCEEDED"
    found = explain(result.stderr, result.verdict, code)
    assert found is not None
    assert found.kind == "TIME_LIMIT_EXCEEDED"
