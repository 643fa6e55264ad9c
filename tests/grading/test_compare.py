"""Output comparison: each mode case by case, and properties with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coderunner.grading import compare_output, describe_difference

MODES = ["exact", "trailing", "tokens", "float"]
lines = st.lists(st.text(alphabet="abc 12.\t-", max_size=8), max_size=6)


@pytest.mark.parametrize(
    ("mode", "expected", "actual", "same"),
    [
        ("exact", "5\n", "5\n", True),
        ("exact", "5\n", "5", False),
        ("exact", "5\n", "5 \n", False),
        ("exact", "a\nb\n", "a\r\nb\r\n", True),
        ("trailing", "5\n", "5", True),
        ("trailing", "a\nb\n", "a  \nb\t\n\n\n", True),
        ("trailing", "a\nb\n", "a\r\nb\r\n", True),
        ("trailing", "a\nb\n", " a\nb\n", False),
        ("trailing", "a\nb\n", "a\n\nb\n", False),
        ("trailing", "a b\n", "a  b\n", False),
        ("trailing", "a\nb\n", "a b\n", False),
        ("trailing", "", "\n\n  \n", True),
        ("trailing", "", "x", False),
        ("tokens", "1 2 3\n", "1\n2\n3", True),
        ("tokens", "1 2 3\n", "  1   2 3  \n\n", True),
        ("tokens", "1 2 3\n", "1 2", False),
        ("tokens", "1 2 3\n", "1 2 3 4", False),
        ("tokens", "1.0\n", "1\n", False),
        ("float", "2.5\n", "2.5000001\n", True),
        ("float", "2.5\n", "2.51\n", False),
        ("float", "212\n", "212.0\n", True),
        ("float", "1e6\n", "1000000.5\n", True),  # relative tolerance
        ("float", "0\n", "-0.0000001\n", True),  # absolute tolerance near zero
        ("float", "total 3.0\n", "total 3\n", True),
        ("float", "total 3.0\n", "Total 3\n", False),
        ("float", "3\n", "3 4\n", False),
        ("float", "nan\n", "nan\n", True),
        ("float", "1000\n", "1_000\n", False),
        ("float", "inf\n", "infinity\n", False),
        ("float", "0.5\n", ".5\n", True),
        ("float", "5\n", "+5.\n", True),
    ],
)
def test_modes(mode: str, expected: str, actual: str, same: bool) -> None:
    assert compare_output(expected, actual, mode, 1e-6) is same


def test_tolerance_is_used() -> None:
    assert compare_output("97.88", "97.881", "float", 0.01)
    assert not compare_output("97.88", "97.9", "float", 0.0001)
    assert not compare_output("1", "1.5", "float", 0.0)
    assert compare_output("1.5", "1.5", "float", 0.0)


def test_unknown_mode_and_bad_tolerance_are_errors() -> None:
    with pytest.raises(ValueError, match="unknown comparison mode 'fuzzy'"):
        compare_output("a", "a", "fuzzy", 1e-6)
    with pytest.raises(ValueError, match="tolerance"):
        compare_output("a", "a", "float", -1.0)
    with pytest.raises(ValueError, match="tolerance"):
        compare_output("a", "a", "float", float("nan"))


@given(st.text(), st.sampled_from(MODES))
def test_every_mode_accepts_identical_output(text: str, mode: str) -> None:
    assert compare_output(text, text, mode, 1e-6)


@given(lines, st.sampled_from(MODES))
def test_crlf_never_matters(parts: list[str], mode: str) -> None:
    assert compare_output("\n".join(parts), "\r\n".join(parts), mode, 1e-6)


@given(lines, st.lists(st.sampled_from([" ", "\t", ""]), min_size=6, max_size=6), st.integers(0, 3))
def test_trailing_ignores_trailing_whitespace_and_blank_lines(
    parts: list[str], pads: list[str], blank: int
) -> None:
    padded = "\n".join(p + pads[i] for i, p in enumerate(parts)) + "\n" * blank
    assert compare_output("\n".join(parts), padded, "trailing", 1e-6)
    assert compare_output("\n".join(parts), padded, "tokens", 1e-6)


@given(st.lists(st.text(alphabet="xyz09", min_size=1, max_size=5), min_size=1, max_size=8))
def test_tokens_ignore_layout_but_not_order_or_content(words: list[str]) -> None:
    assert compare_output(" ".join(words), "\n".join(words) + "\n", "tokens", 1e-6)
    assert not compare_output(" ".join(words), " ".join([*words, "extra"]), "tokens", 1e-6)
    changed = [*words[:-1], words[-1] + "!"]
    assert not compare_output(" ".join(words), " ".join(changed), "tokens", 1e-6)


@given(
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    st.floats(min_value=-0.9, max_value=0.9),
)
def test_float_accepts_within_and_refuses_beyond_tolerance(value: float, fraction: float) -> None:
    tolerance = 1e-3
    scale = max(1.0, abs(value))
    near = value + fraction * tolerance * scale
    assert compare_output(repr(value), repr(near), "float", tolerance)
    far = value + (2 + abs(fraction)) * tolerance * scale
    assert not compare_output(repr(value), repr(far), "float", tolerance)


@given(st.text(alphabet="ab \n", max_size=20))
def test_exact_notices_an_added_trailing_space(text: str) -> None:
    assert not compare_output(text, text + " ", "exact", 1e-6)


def test_describe_difference_points_at_the_first_difference() -> None:
    assert describe_difference("1\n2\n3\n", "1\n2  \n3\n") is None
    assert describe_difference("1\n2\n3\n", "1\n5\n3\n") == "line 2: expected '2', got '5'"
    assert describe_difference("1\n2\n", "1\n") == "line 2: expected '2', got nothing"
    assert describe_difference("1\n", "1\n2\n") == "line 2: expected nothing, got '2'"
    assert describe_difference("1 2 3", "1 2 4", "tokens") == "token 3: expected '3', got '4'"
    assert describe_difference("2.5", "2.6", "float", 0.01) == "token 1: expected '2.5', got '2.6'"
    assert describe_difference("a\n", "a", "exact") == "line 2: expected '', got nothing"
    long = "x" * 100
    assert describe_difference(long, "y") == f"line 1: expected '{'x' * 40}...', got 'y'"
