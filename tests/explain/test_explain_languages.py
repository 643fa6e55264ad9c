"""Explanations of JavaScript and Java errors, from runs in the real sandbox: the kind, the
learner's line, and words a child can act on."""

from __future__ import annotations

import pytest

from coderunner.explain import explain
from coderunner.sandbox import Sandbox

pytestmark = pytest.mark.sandbox


def main(body: str) -> str:
    return (
        "import java.util.*;\npublic class Main {\n    public static void main(String[] args) {\n"
        f"{body}\n    }}\n}}\n"
    )


@pytest.mark.parametrize(
    ("code", "kind", "line", "title"),
    [
        ("let x = 1;\nconsole.log(y);", "ReferenceError", 2, "does not know this name"),
        ("let a;\nconsole.log(a.length);", "TypeError", 2, "empty"),
        ("let f = 3;\nf();", "TypeError", 2, "not a function"),
        ("const x = 1;\nx = 2;", "TypeError", 2, "`const`"),
        ("console.log('hi'", "SyntaxError", 1, "bracket"),
        ("if (true) {\n  console.log(1);\n", "SyntaxError", 3, "ends too early"),
        ("function f() { return f(); }\nf();", "RangeError", 1, "calls itself"),
    ],
)
def test_javascript_errors(
    real_sandbox: Sandbox, code: str, kind: str, line: int, title: str
) -> None:
    result = real_sandbox.run(code, language="javascript")
    assert result.verdict == "RUNTIME_ERROR", result
    found = explain(result.stderr, result.verdict, code, "10-12", "javascript")
    assert found is not None
    assert (found.kind, found.line) == (kind, line), found
    assert title in found.title
    assert "Python" not in found.message + found.hint


@pytest.mark.parametrize(
    ("code", "stdin", "verdict", "kind", "line", "title"),
    [
        (main("        System.out.println(y);"), "", "COMPILATION_ERROR", "CompilationError", 4,
         "does not know this name"),
        (main("        int x = 1\n        System.out.println(x);"), "", "COMPILATION_ERROR",
         "CompilationError", 4, "semicolon"),
        ("public class Hello { public static void main(String[] a) {} }", "",
         "COMPILATION_ERROR", "CompilationError", 1, "called Main"),
        (main('        int x = "hi";'), "", "COMPILATION_ERROR", "CompilationError", 4,
         "kinds of value"),
        (main("        int[] a = new int[2];\n        System.out.println(a[5]);"), "",
         "RUNTIME_ERROR", "ArrayIndexOutOfBoundsException", 5, "Past the end"),
        (main("        System.out.println(10 / (args.length));"), "", "RUNTIME_ERROR",
         "ArithmeticException", 4, "zero"),
        (main("        Scanner in = new Scanner(System.in);\n        int n = in.nextInt();"),
         "abc", "RUNTIME_ERROR", "InputMismatchException", 5, "not a number"),
    ],
)  # fmt: skip
def test_java_errors(
    real_sandbox: Sandbox, code: str, stdin: str, verdict: str, kind: str, line: int, title: str
) -> None:
    result = real_sandbox.run(code, language="java", stdin=stdin)
    assert result.verdict == verdict, result
    found = explain(result.stderr, result.verdict, code, "13-16", "java")
    assert found is not None
    assert (found.kind, found.line) == (kind, line), found
    assert title in found.title
    assert "(Java says:" in found.message  # older learners also read the compiler's words
