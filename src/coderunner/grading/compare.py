"""Compare a program's output with the expected output (pure functions, no I/O).

Modes:
- ``exact``: identical text (after CRLF normalisation).
- ``trailing`` (default): trailing whitespace of each line and trailing blank lines ignored.
- ``tokens``: the whitespace-separated tokens are equal (line structure ignored).
- ``float``: like ``tokens``, but two numeric tokens are equal when within ``tolerance``
  (absolute or relative); non-numeric tokens must be identical.

Every mode first turns CRLF and lone CR line endings into LF.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

COMPARISON_MODES: tuple[str, ...] = ("exact", "trailing", "tokens", "float")
DEFAULT_MODE = "trailing"
DEFAULT_TOLERANCE = 1e-6

# Plain decimal numbers only: float() would also accept "nan", "1_000" and "infinity".
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SHOWN = 40


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _trailing_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in normalize_newlines(text).split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _number(token: str) -> float | None:
    return float(token) if _NUMBER.fullmatch(token) else None


def tokens_close(expected: str, actual: str, tolerance: float) -> bool:
    """Two tokens are equal, or both are numbers within `tolerance` (absolute or relative)."""
    if expected == actual:
        return True
    a, b = _number(expected), _number(actual)
    if a is None or b is None:
        return False
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def _check(mode: str, tolerance: float) -> None:
    if mode not in COMPARISON_MODES:
        raise ValueError(f"unknown comparison mode {mode!r}; use one of {COMPARISON_MODES}")
    if not (tolerance >= 0 and math.isfinite(tolerance)):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")


def compare_output(
    expected: str, actual: str, mode: str = DEFAULT_MODE, tolerance: float = DEFAULT_TOLERANCE
) -> bool:
    """Whether `actual` output matches `expected` under `mode`. Raises ValueError on a bad mode."""
    _check(mode, tolerance)
    if mode == "exact":
        return normalize_newlines(expected) == normalize_newlines(actual)
    if mode == "trailing":
        return _trailing_lines(expected) == _trailing_lines(actual)
    want, got = expected.split(), actual.split()
    if mode == "tokens":
        return want == got
    return len(want) == len(got) and all(
        tokens_close(w, g, tolerance) for w, g in zip(want, got, strict=True)
    )


def _short(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def _first_mismatch(
    want: list[str], got: list[str], same: Callable[[str, str], bool], unit: str
) -> str:
    for index, (w, g) in enumerate(zip(want, got, strict=False), start=1):
        if not same(w, g):
            return f"{unit} {index}: expected {_short(w)}, got {_short(g)}"
    if len(want) > len(got):
        return f"{unit} {len(got) + 1}: expected {_short(want[len(got)])}, got nothing"
    if len(got) > len(want):
        return f"{unit} {len(want) + 1}: expected nothing, got {_short(got[len(want)])}"
    return "outputs differ"


def describe_difference(
    expected: str, actual: str, mode: str = DEFAULT_MODE, tolerance: float = DEFAULT_TOLERANCE
) -> str | None:
    """A one-line description of the first difference, or None when the outputs match."""
    if compare_output(expected, actual, mode, tolerance):
        return None
    if mode == "exact":
        want, got = normalize_newlines(expected), normalize_newlines(actual)
        return _first_mismatch(want.split("\n"), got.split("\n"), str.__eq__, "line")
    if mode == "trailing":
        lines = _trailing_lines(expected), _trailing_lines(actual)
        return _first_mismatch(*lines, str.__eq__, "line")
    if mode == "tokens":
        return _first_mismatch(expected.split(), actual.split(), str.__eq__, "token")
    return _first_mismatch(
        expected.split(), actual.split(), lambda w, g: tokens_close(w, g, tolerance), "token"
    )
