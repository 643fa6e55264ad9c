"""Level bodies."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.schemas import APIModel, InputModel
from coderunner.problems.schemas import ProblemSummary


class LevelOut(APIModel):
    id: int
    age_group: str
    number: int
    title: str
    description: str
    concepts: list[Any]
    cheatsheet_slug: str | None
    problem_count: int = 0
    # for a logged-in viewer: their lock state, solved count and completion (None otherwise)
    locked: bool | None = None
    solved: int | None = None
    completed: bool | None = None


class LevelDetail(LevelOut):
    problems: list[ProblemSummary]


class LevelCreate(InputModel):
    age_group: AgeGroup
    number: int = Field(ge=1, le=1000)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    concepts: list[str] = Field(default_factory=list, max_length=50)
    cheatsheet_slug: str | None = Field(default=None, max_length=100)


class LevelUpdate(InputModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    concepts: list[str] | None = Field(default=None, max_length=50)
    cheatsheet_slug: str | None = Field(default=None, max_length=100)
