"""Grading against the real sandbox: comparison modes, verdicts, redaction, and expected outputs
that never enter the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from coderunner.execution.grading import submission_result
from coderunner.grading.grader import Comparison, Grade, TestSpec, grade, grading_limits
from coderunner.kernel.verdicts import Verdict
from coderunner.sandbox import Sandbox, get_sandbox

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return get_sandbox()


@dataclass(frozen=True)
class Submitted:
    """A grade and the submission result stored from it."""

    grade: Grade
    submission_result: dict[str, Any]

    @property
    def verdict(self) -> Verdict:
        return self.grade.verdict


def _submit(
    sandbox: Sandbox,
    code: str,
    tests: list[TestSpec],
    comparison: dict[str, Any] | None = None,
    age_group: str | None = None,
    rules: dict[str, Any] | None = None,
) -> Submitted:
    """Grade as the worker grades a Python submission."""
    limits = grading_limits(sandbox.config, "python", None)
    graded = grade(sandbox, code, "python", tests, Comparison.stored(comparison), limits, rules)
    assert graded.internal_error is None
    return Submitted(graded, submission_result(graded, code, age_group, "python"))


def _spec(expected: str, given: str = "", hidden: bool = False, index: int = 0) -> TestSpec:
    return TestSpec(index, f"t{index}", given, expected, hidden)


@pytest.mark.parametrize(
    ("mode", "printed", "expected", "passes"),
    [
        ("exact", "print('a ')", "a \n", True),
        ("exact", "print('a')", "a \n", False),
        ("trailing", "print('a   ')\nprint()", "a", True),
        ("trailing", "print(' a')", "a", False),
        ("tokens", "print('1  2\\n3')", "1 2 3", True),
        ("tokens", "print('1 2')", "1 2 3", False),
        ("float", "print(1/3)", "0.333333333", True),
        ("float", "print(0.34)", "0.333333333", False),
    ],
)
def test_comparison_modes(
    sandbox: Sandbox, mode: str, printed: str, expected: str, passes: bool
) -> None:
    graded = _submit(sandbox, printed, [_spec(expected)], {"mode": mode})
    assert graded.verdict == ("ACCEPTED" if passes else "WRONG_ANSWER")
    assert graded.submission_result["tests"][0]["passed"] is passes


def test_expected_output_never_enters_the_sandbox(sandbox: Sandbox) -> None:
    marker = "EXPECTED-ONLY-5521"
    # the program searches everything it can read for the expected output
    code = f"""
import os, sys
needle = "{marker[::-1]}"[::-1]
found = needle in sys.stdin.read() or any(needle in v for v in os.environ.values())
for root, dirs, files in os.walk("/"):
    if root.startswith(("/proc", "/sys", "/dev")):
        dirs[:] = []
        continue
    for name in files:
        try:
            with open(os.path.join(root, name), "rb") as handle:
                found = found or needle.encode() in handle.read(1 << 20)
        except OSError:
            pass
print("FOUND" if found else "not found")
"""
    graded = _submit(sandbox, code, [_spec(marker, given="hello")], {"mode": "exact"})
    test = graded.submission_result["tests"][0]
    assert test["actual"] == "not found\n", test
    assert graded.verdict == "WRONG_ANSWER"


def test_grading_keeps_every_detail_of_hidden_tests_for_staff(sandbox: Sandbox) -> None:
    tests = [
        _spec("1", given="1", index=0),
        _spec("SECRET-OUT", given="SECRET-IN", hidden=True, index=1),
    ]
    graded = _submit(sandbox, "print(input())\nraise SystemExit(3)", tests)
    visible, hidden = graded.submission_result["tests"]
    assert visible["verdict"] == "RUNTIME_ERROR"
    assert "input" in visible
    # what a learner sees of it is decided when the result is shown (execution/redaction.py)
    assert (hidden["input"], hidden["expected"], hidden["actual"]) == (
        "SECRET-IN",
        "SECRET-OUT",
        "SECRET-IN\n",
    )
    assert {"verdict", "timeMs", "memoryKb", "stderr"} <= set(hidden)
    assert graded.verdict == "RUNTIME_ERROR"
    assert (graded.grade.passed, graded.grade.total, graded.grade.pass_rate) == (0, 2, 0.0)


def test_failed_tests_carry_an_explanation(sandbox: Sandbox) -> None:
    tests = [_spec("1", given="0", index=0), _spec("1", given="0", hidden=True, index=1)]
    graded = _submit(sandbox, "print(1 // int(input()))", tests, None, "7-9")
    visible, hidden = graded.submission_result["tests"]
    assert visible["verdict"] == "RUNTIME_ERROR"
    assert visible["explanation"]["kind"] == "ZeroDivisionError"
    assert hidden["explanation"]["kind"] == "ZeroDivisionError"  # for staff only


def test_a_failed_hidden_test_shows_its_hint_and_a_passed_one_does_not(sandbox: Sandbox) -> None:
    tests = [
        TestSpec(0, "t0", "1", "1\n", True, "a small number"),
        TestSpec(1, "t1", "2", "3\n", True, "a bigger number"),
        TestSpec(2, "t2", "3", "9\n", True, None),
    ]
    graded = _submit(sandbox, "print(input())", tests)
    passed, failed, no_hint = graded.submission_result["tests"]
    assert "hint" not in passed
    assert failed["hint"] == "a bigger number"
    assert "hint" not in no_hint


BINARY = """items = [int(x) for x in input().split()]
target = int(input())
lo, hi, answer = 0, len(items) - 1, -1
while lo <= hi:
    mid = (lo + hi) // 2
    if items[mid] == target:
        answer = mid
        break
    if items[mid] < target:
        lo = mid + 1
    else:
        hi = mid - 1
print(answer)
"""
LINEAR = """items = [int(x) for x in input().split()]
target = int(input())
answer = -1
for i in range(len(items)):
    if items[i] == target:
        answer = i
print(answer)
"""


def test_max_comparisons_fails_a_linear_search_on_the_hidden_tests(sandbox: Sandbox) -> None:
    numbers = " ".join(str(n) for n in range(0, 2000, 2))
    tests = [
        TestSpec(0, "small", "1 3 5\n5\n", "2\n", False),
        TestSpec(1, "long", f"{numbers}\n1998\n", "999\n", True, "a very long list"),
    ]
    rules = {"maxComparisons": 30}
    fast = _submit(sandbox, BINARY, tests, rules=rules)
    assert fast.verdict == "ACCEPTED", fast.submission_result
    slow = _submit(sandbox, LINEAR, tests, rules=rules)
    small, long = slow.submission_result["tests"]
    assert small["passed"]  # visible tests run the learner's code as written
    assert not long["passed"]
    assert long["hint"].startswith("This puzzle asks for binary search: your program compared")
    assert "at most 30" in long["hint"]
    # without the rule the same program is accepted: the rule is what catches it
    assert _submit(sandbox, LINEAR, tests).verdict == "ACCEPTED"


def test_a_prompt_in_input_does_not_fail_a_test(sandbox: Sandbox) -> None:
    code = 'name = input("Enter your name: ")\nprint("Hi", name)\n'
    one = _submit(sandbox, code, [_spec("Hi Ann", "Ann\n")])
    assert one.verdict == "ACCEPTED", one.submission_result
    two = _submit(
        sandbox,
        code,
        [_spec("Hi Ann\n", "Ann\n"), _spec("Hi Bob\n", "Bob\n", index=1)],
        {"mode": "exact"},
    )
    assert two.verdict == "ACCEPTED", two.submission_result
    assert [t["actual"] for t in two.submission_result["tests"]] == ["Hi Ann\n", "Hi Bob\n"]


def test_a_syntax_error_is_reported_once_before_any_test(sandbox: Sandbox) -> None:
    tests = [_spec("1", given="1", index=0), _spec("2", given="2", hidden=True, index=1)]
    graded = _submit(sandbox, "n = int(input())\nif n > 0\n    print(n)\n", tests, None, "7-9")
    result = graded.submission_result
    error = result["compileError"]
    assert "SyntaxError" in error["stderr"]
    assert error["explanation"]["kind"] == "SyntaxError"
    assert error["explanation"]["line"] == 2
    # the tests say they failed, but carry the error no more
    assert [t["passed"] for t in result["tests"]] == [False, False]
    assert all(t["stderr"] == "" and "explanation" not in t for t in result["tests"])


def test_an_error_on_some_inputs_only_is_not_a_compile_error(sandbox: Sandbox) -> None:
    tests = [_spec("1", given="1", index=0), _spec("x", given="0", index=1)]
    graded = _submit(sandbox, "print(1 // int(input()))", tests)
    assert "compileError" not in graded.submission_result


def test_a_wrong_visible_answer_gets_its_mistake_explained(sandbox: Sandbox) -> None:
    tests = [
        _spec("hello\n", given="hello", index=0),
        _spec("bye\n", given="bye", hidden=True, index=1),
    ]
    graded = _submit(sandbox, 'word = input()\nprint("word")\n', tests)
    visible, hidden = graded.submission_result["tests"]
    assert visible["explanation"]["kind"] == "quoted_variable"
    assert visible["explanation"]["line"] == 2
    assert "`word` in quotes" in visible["explanation"]["message"]
    assert "explanation" not in hidden  # a hidden test's expected output stays out of words


@pytest.mark.parametrize(
    ("code", "reported"),
    [
        ('const w = require("fs").readFileSync(0, "utf8");\nlet x = ;\n', True),
        # a SyntaxError while the program runs depends on its input: the tests say it
        ('JSON.parse(require("fs").readFileSync(0, "utf8"));\n', False),
    ],
)
def test_a_javascript_syntax_error_is_reported_once(
    sandbox: Sandbox, code: str, reported: bool
) -> None:
    tests = [_spec("1", given="{", index=0), _spec("2", given="{", index=1)]
    limits = grading_limits(sandbox.config, "javascript", None)
    graded = grade(sandbox, code, "javascript", tests, Comparison(), limits)
    result = submission_result(graded, code, "10-12", "javascript")
    assert [t["verdict"] for t in result["tests"]] == ["RUNTIME_ERROR", "RUNTIME_ERROR"]
    assert ("compileError" in result) is reported
    if reported:
        assert "SyntaxError" in result["compileError"]["stderr"]
        assert result["compileError"]["explanation"]["line"] == 2
