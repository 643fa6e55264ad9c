"""Each explanation case with a real traceback: the snippet runs with the host's Python."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coderunner.explain import Explanation, explain, parse_traceback


def traceback_of(code: str, stdin: str = "") -> str:
    run = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, timeout=30
    )
    assert run.returncode != 0, "the snippet was meant to fail"
    return run.stderr


def explained(code: str, stdin: str = "", age_group: str | None = None) -> Explanation:
    found = explain(traceback_of(code, stdin), "RUNTIME_ERROR", code, age_group)
    assert found is not None
    return found


# (code, stdin, kind, line, words in the title, words in message or hint)
CASES = [
    ("x = 1\npritn(x)\n", "", "NameError", 2, "does not know", "`print`"),
    ("score = 3\nprint(scroe)\n", "", "NameError", 2, "does not know", "`score`"),
    ("print(hello)\n", "", "NameError", 1, "does not know", '`"hello"`'),
    ("if x = 3:\n    pass\n", "", "SyntaxError", 1, "`=` and `==`", "`if x == 3:`"),
    ("age = 3\nif age > 2\n    print(age)\n", "", "SyntaxError", 2, "colon", "`:`"),
    ("print('hi'\nx = 1\n", "", "SyntaxError", 1, "never closed", "bracket"),
    ("x = [1, 2\ny = 3\n", "", "SyntaxError", 1, "never closed", "`]`"),
    ("x = (1, 2))\n", "", "SyntaxError", 1, "no partner", "extra bracket"),
    ('name = "Sam\n', "", "SyntaxError", 1, "quote", "closing quote"),
    ('print "hi"\n', "", "SyntaxError", 1, "`print` needs brackets", 'print("hello")'),
    ("print(1 2)\n", "", "SyntaxError", 1, "comma", "comma"),
    ("for i in range(3) print(i)\n", "", "SyntaxError", 1, "cannot read", "colon"),
    ("x = 1\n  y = 2\n", "", "IndentationError", 2, "too far", "Remove the spaces"),
    ("if True:\nprint(1)\n", "", "IndentationError", 2, "inside of a block", "4 spaces"),
    ("if True:\n        x = 1\n    y = 2\n", "", "IndentationError", 3, "line up", "4 spaces"),
    ("if True:\n\tx = 1\n        y = 2\n", "", "TabError", 3, "Tabs and spaces", "only spaces"),
    ("age = input()\nprint(age + 1)\n", "7\n", "TypeError", 2, "Text and numbers", "int(...)"),
    ('n = 5\nprint("Total: " + n)\n', "", "TypeError", 2, "Text and numbers", "str(...)"),
    ("print(input() > 3)\n", "5\n", "TypeError", 1, "Text and numbers", "int(...)"),
    ("print = 5\nprint(1)\n", "", "TypeError", 2, "not a function", "Rename"),
    ("def f(a):\n    return a\nf(1, 2)\n", "", "TypeError", 3, "number of values", "`def`"),
    ("n = 10\nprint(n / 0)\n", "", "ZeroDivisionError", 2, "zero", "`if n != 0:`"),
    ("a = input()\nb = input()\n", "1\n", "EOFError", 2, "nothing more", "`input()`"),
    ("xs = [1, 2, 3]\nprint(xs[3])\n", "", "IndexError", 2, "not in the list", "0, 1 and 2"),
    ("s = 'abc'\nprint(s[5])\n", "", "IndexError", 2, "not in the text", "`[-1]`"),
    ("ages = {'Ada': 3}\nprint(ages['ada'])\n", "", "KeyError", 2, "key", "'ada'"),
    ("n = int(input())\n", "3.5\n", "ValueError", 1, "whole number", "`float(...)`"),
    ("n = int(input())\n", "3 4\n", "ValueError", 1, "whole number", "split()"),
    ("n = int(input())\n", "\n", "ValueError", 1, "whole number", "empty"),
    ("n = int(input())\n", "abc\n", "ValueError", 1, "whole number", "`abc` is not"),
    ("x = float('ten')\n", "", "ValueError", 1, "not a number", "float"),
    ("a, b = [1, 2, 3]\n", "", "ValueError", 1, "unpack", "as many names"),
    ("xs = []\nxs.push(1)\n", "", "AttributeError", 2, "`.push`", "list"),
    ("xs = [3, 1]\nys = xs.sort()\nys.append(2)\n", "", "AttributeError", 3, "`None`", "sort"),
    ("def f(n):\n    return f(n)\nf(1)\n", "", "RecursionError", 2, "forever", "base case"),
    ("import pygame_zero_xyz\n", "", "ModuleNotFoundError", 1, "not available", "standard"),
    ("def f():\n    total += 1\ntotal = 0\nf()\n", "", "UnboundLocalError", 2, "before", "total"),
    ("class Oops(Exception):\n    pass\nraise Oops('no')\n", "", "Oops", 3, "stopped", "Oops"),
]


@pytest.mark.parametrize(("code", "stdin", "kind", "line", "title", "words"), CASES)
def test_case(code: str, stdin: str, kind: str, line: int, title: str, words: str) -> None:
    found = explained(code, stdin)
    assert found.kind == kind
    assert found.line == line
    assert title in found.title
    assert words in found.message + " " + found.hint
    assert found.message.startswith(f"Line {line}: ")


def test_the_line_is_the_learners_innermost_line() -> None:
    code = "def half(n):\n    return n / 0\n\nprint(half(4))\n"
    assert explained(code).line == 2


def test_a_chained_exception_uses_the_last_traceback() -> None:
    code = "try:\n    1 / 0\nexcept ZeroDivisionError:\n    {}['k']\n"
    found = explained(code)
    assert (found.kind, found.line) == ("KeyError", 4)


def test_standard_library_frames_are_not_the_learners_line() -> None:
    code = "import random\nrandom.randint(5, 1)\n"
    found = explained(code)
    assert (found.kind, found.line) == ("ValueError", 2)


def test_sandbox_paths_are_the_learners_file() -> None:
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "/sandbox/main.py", line 3, in <module>\n'
        "    print(1/0)\n"
        "          ~^~\n"
        "ZeroDivisionError: division by zero\n"
    )
    parsed = parse_traceback(stderr)
    assert parsed is not None
    assert (parsed.type, parsed.line, parsed.source) == ("ZeroDivisionError", 3, "print(1/0)")


def test_name_suggestions_come_from_the_code_when_python_gives_none() -> None:
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "/sandbox/main.py", line 2, in <module>\n'
        "NameError: name 'totl' is not defined\n"
    )
    found = explain(stderr, "RUNTIME_ERROR", "total = 1\nprint(totl)\n")
    assert found is not None
    assert "`total`" in found.message


@pytest.mark.parametrize(
    ("verdict", "title"),
    [
        ("TIME_LIMIT_EXCEEDED", "took too long"),
        ("MEMORY_LIMIT_EXCEEDED", "too much memory"),
        ("OUTPUT_LIMIT_EXCEEDED", "printed too much"),
    ],
)
def test_limit_verdicts(verdict: str, title: str) -> None:
    found = explain("", verdict, "while True:\n    print(1)\n")
    assert found is not None
    assert title in found.title
    assert found.kind == verdict
    assert found.line is None


@pytest.mark.parametrize("verdict", ["OK", "ACCEPTED", "WRONG_ANSWER", "INTERNAL_ERROR"])
def test_nothing_to_explain(verdict: str) -> None:
    assert explain("", verdict, "print(1)\n") is None


def test_a_crash_without_traceback() -> None:
    found = explain("", "RUNTIME_ERROR", "exit(3)\n")
    assert found is not None
    assert found.line is None
    assert explain("just some text on stderr\n", "COMPILATION_ERROR", "x") is None


def test_older_learners_also_see_pythons_words() -> None:
    code = "print(1 / 0)\n"
    young = explained(code, age_group="7-9")
    old = explained(code, age_group="13-16")
    assert "Python says" not in young.message
    assert old.message.endswith("(Python says: ZeroDivisionError: division by zero)")


def test_to_dict_is_camel_case_json() -> None:
    found = explained("print(1 / 0)\n")
    assert found.to_dict() == {
        "title": found.title,
        "message": found.message,
        "line": 1,
        "hint": found.hint,
        "kind": "ZeroDivisionError",
    }


def test_a_multi_line_message_keeps_the_exception_type() -> None:
    found = explained("def f():\n    raise ValueError('first\\nsecond')\n\nf()\n")
    assert (found.kind, found.line) == ("ValueError", 2)


def test_text_printed_to_stderr_before_the_traceback_is_ignored() -> None:
    code = "import sys\nprint('NameError: fake', file=sys.stderr)\nprint(1 / 0)\n"
    found = explained(code)
    assert (found.kind, found.line) == ("ZeroDivisionError", 3)


TRACEBACK_ALPHABET = list('Traceback (most recent call):\nFile"main.py", line 12 in<module>')
TRACEBACK_ALPHABET += list("NameError:'x' KeyErrorSyntax^~\t")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    stderr=st.text(alphabet=st.sampled_from(TRACEBACK_ALPHABET), max_size=300),
    verdict=st.sampled_from(["RUNTIME_ERROR", "COMPILATION_ERROR", "OK", "WRONG_ANSWER", "X"]),
    code=st.text(max_size=200),
)
def test_explain_never_fails_on_arbitrary_output(stderr: str, verdict: str, code: str) -> None:
    found = explain(stderr, verdict, code, "13-16")
    if found is not None:
        assert found.title
        assert found.line is None or found.line >= 0


def test_deeply_nested_code_does_not_break_name_suggestions() -> None:
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "/sandbox/main.py", line 1, in <module>\n'
        "NameError: name 'prnt' is not defined\n"
    )
    found = explain(stderr, "RUNTIME_ERROR", "x = " + "[" * 5000 + "]" * 5000 + "\nprnt(x)\n")
    assert found is not None
    assert "`print`" in found.message
