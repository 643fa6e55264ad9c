"""Pydantic models of the curriculum files (keys in camelCase, as in docs/contracts.md).

Every model forbids unknown keys and validates strictly (no string-to-number coercion), so a
typo in a YAML file is an error that names the field, never a silently ignored value.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from coderunner.kernel.ages import AgeGroup

COMPARISON_MODES: tuple[str, ...] = ("exact", "trailing", "tokens", "float", "drawing")
MIN_VISIBLE_TESTS = 3
MIN_HIDDEN_TESTS = 3

ComparisonMode = Literal["exact", "trailing", "tokens", "float", "drawing"]
Difficulty = Literal["easy", "medium", "hard"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]
Text = Annotated[str, StringConstraints(min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_]\w*$", max_length=100)]
DottedName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ContentModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
    )


class Comparison(ContentModel):
    mode: ComparisonMode = "trailing"
    tolerance: float = Field(1e-6, gt=0, le=1)
    # mode `drawing` (turtle problems): false when colours need not match the reference's picture
    colours: bool | None = None


class ProblemLimits(ContentModel):
    time_limit_s: float | None = Field(None, gt=0, le=20)
    memory_mb: int | None = Field(None, ge=16, le=512)


class TestCase(ContentModel):
    __test__ = False  # not a pytest test class

    name: str = ""
    input: str = ""
    output: str
    hidden: bool = False
    # in a child's words, what this test checks; shown when a hidden test fails
    hint: Text | None = None


class WrongSolution(ContentModel):
    """A plausible child's mistake: `content check` proves it fails a test or breaks a rule."""

    code: Text
    why: Text


Language = Literal["python", "javascript", "java"]


class LanguageVariant(ContentModel):
    """The same puzzle in another language the learner may choose: its own starter code,
    reference solution and wrong solutions (`content check` proves each)."""

    starter_code: str
    solution: Text
    wrong_solutions: list[WrongSolution] = Field(default_factory=list)


class Rules(ContentModel):
    """Rules the statement sets on the code, checked with the AST at Submit (before running)."""

    forbidden_names: list[DottedName] = Field(default_factory=list)
    required_defs: list[Identifier] = Field(default_factory=list)
    # defined, called and calling itself; None (not stored) when the statement asks no recursion
    recursive_defs: list[Identifier] | None = None
    max_comparisons: int | None = Field(None, ge=1)

    @property
    def empty(self) -> bool:
        return not (
            self.forbidden_names
            or self.required_defs
            or self.recursive_defs
            or self.max_comparisons
        )


class Problem(ContentModel):
    id: Slug
    title: Title
    age_group: AgeGroup
    level: int = Field(ge=1)
    order: int = Field(ge=1)
    difficulty: Difficulty
    xp: int = Field(ge=1, le=100)
    concepts: list[Text] = Field(min_length=1)
    statement: Text
    starter_code: str
    hints: list[Text] = Field(min_length=2, max_length=5)
    comparison: Comparison = Comparison()
    limits: ProblemLimits = ProblemLimits()
    language: Language = "python"
    solution: Text
    # more languages the learner may choose for this puzzle (the first is `language`)
    also_in: dict[Language, LanguageVariant] = Field(default_factory=dict)
    tests: list[TestCase]
    wrong_solutions: list[WrongSolution] = Field(default_factory=list)
    rules: Rules | None = None
    another_way: Text | None = None  # Markdown, shown beside the model solution after solving

    @model_validator(mode="after")
    def _enough_tests(self) -> Problem:
        visible = sum(1 for test in self.tests if not test.hidden)
        hidden = len(self.tests) - visible
        if visible < MIN_VISIBLE_TESTS:
            raise ValueError(f"needs at least {MIN_VISIBLE_TESTS} visible tests, has {visible}")
        if hidden < MIN_HIDDEN_TESTS:
            raise ValueError(f"needs at least {MIN_HIDDEN_TESTS} hidden tests, has {hidden}")
        names = [test.name for test in self.tests if test.name]
        if len(names) != len(set(names)):
            raise ValueError("test names must be unique within a problem")
        if self.language in self.also_in:
            raise ValueError(f"alsoIn repeats the problem's own language {self.language!r}")
        return self

    @property
    def languages(self) -> list[str]:
        """Every language the puzzle may be solved in, its own first."""
        return [self.language, *self.also_in]

    @property
    def visible_tests(self) -> list[TestCase]:
        return [test for test in self.tests if not test.hidden]

    @property
    def hidden_tests(self) -> list[TestCase]:
        return [test for test in self.tests if test.hidden]


class Level(ContentModel):
    number: int = Field(ge=1)
    title: Title
    description: Text
    concepts: list[Text] = Field(min_length=1)
    cheatsheet: Slug


class AgeGroupLevels(ContentModel):
    age_group: AgeGroup
    title: Title
    description: Text
    levels: list[Level] = Field(min_length=1)

    @model_validator(mode="after")
    def _numbered_from_one(self) -> AgeGroupLevels:
        numbers = [level.number for level in self.levels]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"level numbers must be 1, 2, 3, ... in order, got {numbers}")
        return self


class LevelsFile(ContentModel):
    age_groups: list[AgeGroupLevels] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_age_groups(self) -> LevelsFile:
        groups = [group.age_group for group in self.age_groups]
        if len(groups) != len(set(groups)):
            raise ValueError(f"age groups must be unique, got {groups}")
        return self

    def level(self, age_group: str, number: int) -> Level | None:
        for group in self.age_groups:
            if group.age_group == age_group:
                for level in group.levels:
                    if level.number == number:
                        return level
        return None


class Cheatsheet(ContentModel):
    slug: Slug
    title: Title
    age_group: AgeGroup
    level: int = Field(ge=1)
    position: int = Field(0, ge=0)
    body: Text
