"""Grading helpers that run outside the sandbox: comparing a program's output with the expected."""

from __future__ import annotations

from .compare import (
    COMPARISON_MODES,
    DEFAULT_MODE,
    DEFAULT_TOLERANCE,
    compare_output,
    describe_difference,
)

__all__ = [
    "COMPARISON_MODES",
    "DEFAULT_MODE",
    "DEFAULT_TOLERANCE",
    "compare_output",
    "describe_difference",
]
