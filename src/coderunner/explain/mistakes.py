"""Explanations of the common wrong answers, found by comparing a program's output with the
expected output (and, for Python, by reading the code's AST).

`explain_mistake(expected, actual, code, stdin, language)` tries one small rule per mistake, in
order, and returns the first that fits as a `Mistake`, or None when no rule is sure. Each rule
must be sure: a wrong answer no rule recognises gets no explanation rather than a false one.

Rules: a prompt printed by `input("...")`, a variable name printed in quotes, numbers from
`input()` glued instead of added, capital letters, spaces, an extra or missing (blank) line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import permutations

_SHOWN = 40
_DIGITS = re.compile(r"[+-]?\d+")


@dataclass(frozen=True, slots=True)
class Mistake:
    kind: str  # the rule that fit: "prompt_printed", "quoted_variable", ...
    message: str  # one short sentence (or two) an 8-year-old can act on
    line: int | None = None  # the line of the learner's code, when the rule knows it


@dataclass(frozen=True, slots=True)
class _Case:
    expected: list[str]  # output lines, line ends normalised, trailing blank lines dropped
    actual: list[str]
    tree: ast.Module | None  # the Python code's AST, when it parses
    stdin: str


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _calls(tree: ast.Module, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]


def _text_args(call: ast.Call) -> list[str]:
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _assigned_names(tree: ast.Module) -> set[str]:
    names = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    names |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    return names


def _words(lines: list[str]) -> set[str]:
    return {word for line in lines for word in line.split()}


# --- the rules, most specific first ----------------------------------------------------------


def prompt_printed(case: _Case) -> Mistake | None:
    """`input("Enter a number: ")`: the question is printed in front of the answer."""
    if case.tree is None:
        return None
    expected = "\n".join(case.expected)
    actual = "\n".join(case.actual)
    for call in _calls(case.tree, "input"):
        for prompt in _text_args(call):
            shown = prompt.strip()
            if shown and shown in actual and shown not in expected:
                return Mistake(
                    "prompt_printed",
                    f"Your program printed the question `{_short(shown)}`. This puzzle wants "
                    "only the answer: write `input()` with nothing inside the brackets.",
                    call.lineno,
                )
    return None


def quoted_variable(case: _Case) -> Mistake | None:
    """`print("word")` instead of `print(word)`: the name is printed, not what it holds."""
    if case.tree is None:
        return None
    names = _assigned_names(case.tree)
    printed, wanted = _words(case.actual), _words(case.expected)
    for call in _calls(case.tree, "print"):
        for text in _text_args(call):
            name = text.strip()
            if name in names and name in printed and name not in wanted:
                return Mistake(
                    "quoted_variable",
                    f"You printed the word `{name}` in quotes. Take away the quotes to print "
                    "what is inside the variable.",
                    call.lineno,
                )
    return None


def _numbers(text: str) -> list[str]:
    return [token for token in text.split() if _DIGITS.fullmatch(token)]


def glued_numbers(case: _Case) -> Mistake | None:
    """`input()` gives text, so `a + b` glues "2" and "3" into "23" instead of adding."""
    if case.tree is None or not _calls(case.tree, "input"):
        return None
    given = _numbers(case.stdin)
    if not 2 <= len(given) <= 4:
        return None
    for want, got in zip(case.expected, case.actual, strict=False):
        if want == got or not _DIGITS.fullmatch(got.strip()):
            continue
        for count in range(2, len(given) + 1):
            for parts in permutations(given, count):
                if "".join(parts) == got.strip() and got.strip() != want.strip():
                    shown = " and ".join(parts)
                    return Mistake(
                        "glued_numbers",
                        f"Your program glued the numbers together: {shown} made {got.strip()}. "
                        "Numbers from `input()` are text. Put `int()` around it, like "
                        "`int(input())`, to do sums with them.",
                    )
    return None


def _first_differing(case: _Case) -> int | None:
    for index, (want, got) in enumerate(zip(case.expected, case.actual, strict=False)):
        if want != got:
            return index
    return None


def capital_letters(case: _Case) -> Mistake | None:
    """The same words, with big and small letters mixed up."""
    if len(case.expected) != len(case.actual) or case.expected == case.actual:
        return None
    if [line.lower() for line in case.expected] != [line.lower() for line in case.actual]:
        return None
    index = _first_differing(case)
    assert index is not None
    want, got = case.expected[index], case.actual[index]
    return Mistake(
        "capital_letters",
        f"The words are right, but big and small letters are different on line {index + 1}: "
        f"write `{_short(want)}`, not `{_short(got)}`.",
    )


def spaces(case: _Case) -> Mistake | None:
    """Extra or missing spaces (shown as · in the output)."""
    if len(case.expected) != len(case.actual) or case.expected == case.actual:
        return None
    squeeze = [line.replace(" ", "") for line in case.expected]
    if squeeze != [line.replace(" ", "") for line in case.actual]:
        return None
    index = _first_differing(case)
    assert index is not None
    got, want = case.actual[index].count(" "), case.expected[index].count(" ")
    kind, what, fix = (
        ("extra_space", "an extra space", "Take it away.")
        if got > want
        else ("missing_space", "a missing space", "Add a space where the expected output has one.")
        if got < want
        else (
            "moved_spaces",
            "a space in the wrong place",
            "Move it to where the expected output has it.",
        )
    )
    return Mistake(kind, f"Line {index + 1} has {what}: look for the · marks. {fix}")


def _blank_lines_only(case: _Case) -> Mistake | None:
    want = [line for line in case.expected if line.strip()]
    got = [line for line in case.actual if line.strip()]
    if want != got or len(case.expected) == len(case.actual):
        return None
    if len(case.actual) > len(case.expected):
        return Mistake(
            "extra_blank_line",
            "Your program printed an empty line too many. Look for a `print()` with nothing "
            "inside, or an extra `\\n`, and take it away.",
        )
    return Mistake(
        "missing_blank_line",
        "An empty line is missing in your output. Add a `print()` with nothing inside where "
        "the empty line should be.",
    )


def extra_or_missing_line(case: _Case) -> Mistake | None:
    """One line too many or too few, the other lines right."""
    blank = _blank_lines_only(case)
    if blank is not None:
        return blank
    want, got = case.expected, case.actual
    if len(got) == len(want) + 1:
        for index in range(len(got)):
            if got[:index] + got[index + 1 :] == want:
                return Mistake(
                    "extra_line",
                    f"Your program printed one line too many: `{_short(got[index])}` (line "
                    f"{index + 1}). Find the `print` that writes it and take it away.",
                )
    if len(want) == len(got) + 1:
        for index in range(len(want)):
            if want[:index] + want[index + 1 :] == got:
                return Mistake(
                    "missing_line",
                    f"One line is missing: line {index + 1} should say "
                    f"`{_short(want[index])}`. Add a `print` for it.",
                )
    return None


RULES: tuple[Callable[[_Case], Mistake | None], ...] = (
    prompt_printed,
    quoted_variable,
    glued_numbers,
    capital_letters,
    spaces,
    extra_or_missing_line,
)


def _parse(code: str, language: str) -> ast.Module | None:
    if language != "python":
        return None
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def explain_mistake(
    expected: str, actual: str, code: str, stdin: str = "", language: str = "python"
) -> Mistake | None:
    """The first rule that recognises this wrong answer, or None (never a guess)."""
    case = _Case(_lines(expected), _lines(actual), _parse(code, language), stdin)
    if case.expected == case.actual:
        return None
    for rule in RULES:
        found = rule(case)
        if found is not None:
            return found
    return None
