"""The AST rules a problem sets on the code: what they catch, what they let through."""

from __future__ import annotations

import pytest

from coderunner.grading.rules import (
    FORBIDDEN,
    RECURSIVE,
    REQUIRED_DEF,
    comparisons_made,
    counting_comparisons,
    first_rule_break,
    max_comparisons,
    rule_breaks,
    too_many_comparisons_message,
)

NO_MAX = {"forbiddenNames": ["max"]}
NO_GCD = {"forbiddenNames": ["math.gcd"]}
NO_SORT = {"forbiddenNames": ["sorted", "sort"]}


@pytest.mark.parametrize(
    "code",
    [
        "print(max(3, 4))",
        "biggest = max\nprint(biggest(3, 4))",
        "import builtins\nprint(builtins.max(3, 4))",
        "print(__builtins__.max(3, 4))",
        "print(getattr(__builtins__, 'max')(3, 4))",
        "print(eval('max(3, 4)'))",
        "from builtins import max as m\nprint(m(1, 2))",
        "print(list(map(max, [[1, 2]])))",
    ],
)
def test_a_forbidden_name_is_caught_however_it_is_reached(code: str) -> None:
    broken = first_rule_break(code, NO_MAX)
    assert broken is not None
    assert broken.rule == FORBIDDEN
    assert broken.name == "max"
    assert "without using max()" in broken.message


@pytest.mark.parametrize(
    "code",
    [
        "print(3 if 3 > 4 else 4)",
        "def max(a, b):\n    return a if a > b else b\nprint(max(3, 4))",  # their own
        "maximum = 4\nprint(maximum)",
        "print('max')",
        "this is not python (",  # the run shows the syntax error instead
    ],
)
def test_code_that_keeps_the_rule_passes(code: str) -> None:
    assert first_rule_break(code, NO_MAX) is None


@pytest.mark.parametrize(
    "code",
    [
        "import math\nprint(math.gcd(4, 6))",
        "import math as m\nprint(m.gcd(4, 6))",
        "from math import gcd\nprint(gcd(4, 6))",
        "from math import gcd as g\nprint(g(4, 6))",
        "from math import *\nprint(gcd(4, 6))",
    ],
)
def test_a_dotted_name_is_caught_through_every_import(code: str) -> None:
    broken = first_rule_break(code, NO_GCD)
    assert broken is not None
    assert broken.name == "math.gcd"
    assert "Euclid" in broken.message


def test_a_dotted_rule_leaves_other_uses_of_the_module_alone() -> None:
    assert first_rule_break("import math\nprint(math.sqrt(4))", NO_GCD) is None
    assert first_rule_break("def gcd(a, b):\n    return a\nprint(gcd(1, 2))", NO_GCD) is None


def test_a_method_name_is_caught_as_an_attribute() -> None:
    broken = rule_breaks("xs = [3, 1]\nxs.sort()\nprint(xs)", NO_SORT)
    assert [b.name for b in broken] == ["sort"]
    both = rule_breaks("xs = [3, 1]\nxs.sort()\nprint(sorted(xs))", NO_SORT)
    assert [b.name for b in both] == ["sorted", "sort"]


def test_a_required_def_must_be_written_and_used() -> None:
    rules = {"requiredDefs": ["biggest"]}
    missing = first_rule_break("print(3)", rules)
    assert missing is not None
    assert missing.rule == REQUIRED_DEF
    assert missing.message == (
        "This puzzle asks you to write a function called biggest. Start a line with: def biggest("
    )
    unused = first_rule_break("def biggest(a, b):\n    return a\nprint(3)", rules)
    assert unused is not None
    assert "never uses it" in unused.message
    used = "def biggest(a, b):\n    return a\nprint(biggest(3, 2))"
    assert first_rule_break(used, rules) is None


def test_no_rules_break_nothing() -> None:
    assert rule_breaks("print(max(1, 2))", None) == []
    assert rule_breaks("print(max(1, 2))", {}) == []
    assert rule_breaks("print(max(1, 2))", {"forbiddenNames": [], "requiredDefs": []}) == []


def test_an_unknown_name_gets_a_generic_kind_message() -> None:
    broken = first_rule_break("print(len('abc'))", {"forbiddenNames": ["len"]})
    assert broken is not None
    assert broken.message == (
        "This puzzle asks you to solve it without using len(). "
        "Try doing that part yourself, step by step!"
    )


def test_a_method_rule_leaves_a_variable_of_that_name_alone() -> None:
    rules = {"forbiddenNames": ["index"]}
    assert first_rule_break("index = 3\nprint(index)", rules) is None
    broken = first_rule_break("print([1, 2].index(2))", rules)
    assert broken is not None
    assert "without .index()" in broken.message


def test_the_comparison_count_is_read_from_the_last_marker() -> None:
    assert (
        comparisons_made("oops\n__coderunner_comparisons__ 0\n__coderunner_comparisons__ 12\n")
        == 12
    )
    assert comparisons_made("Traceback ...\nValueError") is None
    assert max_comparisons({"maxComparisons": 40}) == 40
    assert max_comparisons({"forbiddenNames": ["max"]}) is None
    assert max_comparisons(None) is None
    assert "did not finish" in too_many_comparisons_message(None, 40)
    assert counting_comparisons("print(1)").endswith("print(1)")


RECURSIVE_GCD = {"recursiveDefs": ["gcd"]}
LOOPING_GCD = (
    "def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a\nprint(gcd(4, 6))"
)


def test_a_recursive_def_must_call_itself() -> None:
    recursive = "def gcd(a, b):\n    return a if b == 0 else gcd(b, a % b)\nprint(gcd(4, 6))"
    assert rule_breaks(recursive, RECURSIVE_GCD) == []
    (looping,) = rule_breaks(LOOPING_GCD, RECURSIVE_GCD)
    assert looping.rule == RECURSIVE
    assert looping.name == "gcd"
    assert looping.message == (
        "This puzzle asks for a recursive gcd: it should call itself on a smaller piece. "
        "Try a call to gcd(...) inside gcd!"
    )
    # a call of the same name outside the def is not recursion; a missing def is said as such
    outside = "def gcd(a, b):\n    return 2\nprint(gcd(4, 6))"
    assert [b.rule for b in rule_breaks(outside, RECURSIVE_GCD)] == [RECURSIVE]
    (missing,) = rule_breaks("print(2)", RECURSIVE_GCD)
    assert missing.rule == REQUIRED_DEF
    assert "def gcd(" in missing.message
