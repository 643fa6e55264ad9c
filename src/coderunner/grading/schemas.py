"""What grading reads of a problem, on the wire: its tests, comparison, limits and rules.

A saved problem (`problems.schemas`) and a teacher's draft checked before it is saved
(`DraftCheckIn`, POST /execution/check) are the same shapes, so a draft is graded exactly as
the problem will be once it is saved.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from coderunner.kernel.schemas import InputModel

from .compare import COMPARISON_MODES as COMPARISON_MODES  # the output modes, for forms
from .compare import DEFAULT_TOLERANCE

# the comparison mode of a turtle problem: its drawing is compared, not its output
DRAWING = "drawing"


class TestCaseIn(InputModel):
    __test__ = False
    name: str = Field(default="", max_length=200)
    input: str = Field(default="", max_length=65536)
    expected_output: str = Field(max_length=65536)
    hidden: bool = False
    hint: str | None = Field(
        default=None, max_length=500, description="what the test checks, shown when it fails"
    )


class ComparisonIn(InputModel):
    """How output is compared: stored as `{mode, tolerance}` (the grader's keys).

    `drawing` grades a turtle program on its picture, compared with the reference solution's
    (grading/drawing_grader.py); `colours: false` lets the colours differ."""

    mode: Literal["exact", "trailing", "tokens", "float", "drawing"] = "trailing"
    tolerance: float = Field(default=DEFAULT_TOLERANCE, gt=0, le=1)
    colours: bool | None = None


class LimitsIn(InputModel):
    """Per-problem sandbox limits: stored as `{timeLimitS, memoryMb}` (the grader's keys)."""

    time_limit_s: float | None = Field(default=None, gt=0, le=20)
    memory_mb: int | None = Field(default=None, ge=16, le=512)


class RulesIn(InputModel):
    """Rules the statement sets on the code: stored as `{forbiddenNames, requiredDefs, ...}`."""

    forbidden_names: list[str] = Field(
        default_factory=list, max_length=20, description="names or calls the code may not use"
    )
    required_defs: list[str] = Field(
        default_factory=list, max_length=20, description="functions the code must define"
    )
    recursive_defs: list[str] | None = Field(
        default=None, max_length=20, description="functions that must call themselves"
    )
    max_comparisons: int | None = Field(default=None, ge=1, le=10000)


class DraftCheckIn(InputModel):
    """A reference solution and the draft problem it must pass (nothing is saved)."""

    code: str = Field(max_length=65536)
    language: str = Field(default="python", pattern=r"^[a-z0-9+#-]{1,32}$")
    tests: list[TestCaseIn] = Field(min_length=1, max_length=200)
    comparison: ComparisonIn = Field(default_factory=ComparisonIn)
    limits: LimitsIn = Field(default_factory=LimitsIn)
    rules: RulesIn | None = None

    model_config = InputModel.model_config | {"str_strip_whitespace": False}

    def stored_draft(self) -> dict[str, Any]:
        """The draft's tests, comparison and rules as a problem's are stored."""
        return {
            "tests": [t.model_dump(by_alias=True, exclude_none=True) for t in self.tests],
            "comparison": self.comparison.model_dump(by_alias=True, exclude_none=True),
            "rules": self.rules.model_dump(by_alias=True, exclude_none=True)
            if self.rules
            else None,
        }
