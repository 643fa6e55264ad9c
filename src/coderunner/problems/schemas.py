"""Problem bodies. Learner-facing models carry no hidden tests and no reference solution."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

# the grading part of a problem is grading's own shapes (a draft is checked with them too)
from coderunner.grading.schemas import ComparisonIn as ComparisonIn
from coderunner.grading.schemas import LimitsIn as LimitsIn
from coderunner.grading.schemas import RulesIn as RulesIn
from coderunner.grading.schemas import TestCaseIn as TestCaseIn
from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.schemas import APIModel, InputModel, PageMeta

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,99}$"
Difficulty = Literal["easy", "medium", "hard"]


class VisibleTestOut(APIModel):
    """A visible test case as learners see it."""

    name: str
    input: str
    expected_output: str


class TestCaseOut(APIModel):
    """A test case as teachers/admins see it (hidden ones included)."""

    __test__ = False
    position: int
    name: str
    input: str
    expected_output: str
    hidden: bool
    hint: str | None = None


class ProblemSummary(APIModel):
    id: str
    title: str
    age_group: str
    level_number: int
    order: int
    difficulty: str
    xp: int
    concepts: list[Any]


class ProblemOut(ProblemSummary):
    """GET /problems/{id}: what a learner needs to solve the problem."""

    statement: str
    starter_code: str
    hints: list[Any]
    language: str
    # every language the learner may choose, `language` first, and each one's starter code
    languages: list[str]
    starters: dict[str, str]
    limits: dict[str, Any]
    tests: list[VisibleTestOut]


class ProblemAdminOut(ProblemSummary):
    """GET /problems/{id}/full (teacher/admin): everything, hidden tests included."""

    statement: str
    starter_code: str
    hints: list[Any]
    language: str
    other_languages: dict[str, Any]
    limits: dict[str, Any]
    comparison: dict[str, Any]
    reference_solution: str
    rules: dict[str, Any] | None = None
    source: str
    created_by: str | None
    is_published: bool
    created_at: datetime
    updated_at: datetime
    tests: list[TestCaseOut]


class ProblemPage(PageMeta):
    items: list[ProblemSummary]


LANGUAGE_PATTERN = r"^[a-z0-9+#-]{1,32}$"


class LanguageVariantIn(InputModel):
    """The problem in one more language a learner may choose."""

    starter_code: str = Field(default="", max_length=65536)
    solution: str = Field(default="", max_length=65536)


OtherLanguages = dict[
    Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)], LanguageVariantIn
]


class ProblemFields(InputModel):
    title: str = Field(min_length=1, max_length=200)
    age_group: AgeGroup
    level_number: int = Field(ge=1, le=1000)
    order: int = Field(default=0, ge=0, le=100000)
    statement: str = Field(default="", max_length=100_000)
    starter_code: str = Field(default="", max_length=65536)
    hints: list[str] = Field(default_factory=list, max_length=20)
    concepts: list[str] = Field(default_factory=list, max_length=20)
    difficulty: Difficulty = "easy"
    xp: int = Field(default=10, ge=0, le=10000)
    comparison: ComparisonIn = Field(default_factory=ComparisonIn)
    limits: LimitsIn = Field(default_factory=LimitsIn)
    language: str = Field(default="python", pattern=LANGUAGE_PATTERN)
    other_languages: OtherLanguages = Field(default_factory=dict, max_length=4)
    reference_solution: str = Field(default="", max_length=65536)
    rules: RulesIn | None = None
    is_published: bool = True
    tests: list[TestCaseIn] = Field(default_factory=list, max_length=200)


class ProblemCreate(ProblemFields):
    id: str = Field(pattern=SLUG_PATTERN, description="stable slug, e.g. reverse-a-word")


class ProblemUpdate(InputModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    age_group: AgeGroup | None = None
    level_number: int | None = Field(default=None, ge=1, le=1000)
    order: int | None = Field(default=None, ge=0, le=100000)
    statement: str | None = Field(default=None, max_length=100_000)
    starter_code: str | None = Field(default=None, max_length=65536)
    hints: list[str] | None = Field(default=None, max_length=20)
    concepts: list[str] | None = Field(default=None, max_length=20)
    difficulty: Difficulty | None = None
    xp: int | None = Field(default=None, ge=0, le=10000)
    comparison: ComparisonIn | None = None
    limits: LimitsIn | None = None
    language: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    other_languages: OtherLanguages | None = Field(default=None, max_length=4)
    reference_solution: str | None = Field(default=None, max_length=65536)
    rules: RulesIn | None = None
    is_published: bool | None = None
    tests: list[TestCaseIn] | None = Field(default=None, max_length=200)


class ModelSolutionOut(APIModel):
    """The reference solution and its "another way" note: only after the learner's first solve."""

    problem_id: str
    solution: str
    # the reference solution in each language the problem allows
    solutions: dict[str, str]
    another_way: str | None
