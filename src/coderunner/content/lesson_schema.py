"""Pydantic models of the lesson files (`lessons/<ageGroup>/<level>.yaml`), one per level.

A lesson follows PRIMM: the idea with a worked example, "predict the output" questions, a
Parsons puzzle, then the level's problems as "modify" and "make" tasks. The files hold only
code: every output a learner is asked to predict is computed by running the snippet in the
sandbox (`content check --update-outputs` writes `lessons/outputs.lock.yaml`), never typed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from coderunner.kernel.ages import AgeGroup

from .schema import ContentModel, Text, Title

MIN_PREDICT = 2
MAX_PREDICT = 3
MIN_PARSONS_LINES = 3
MAX_PARSONS_LINES = 12
INDENT = "    "  # one step of indentation in a Parsons puzzle


class Snippet(ContentModel):
    code: Text
    stdin: str = ""


class WorkedExample(Snippet):
    explain: Text | None = None  # Markdown under the example's computed output


class PredictQuestion(Snippet):
    """Predict what `code` prints. `choice`: the computed output among `distractors`."""

    kind: Literal["choice", "type"]
    prompt: Text | None = None
    distractors: list[Text] = Field(default_factory=list, max_length=3)

    @model_validator(mode="after")
    def _distractors_fit_kind(self) -> PredictQuestion:
        if self.kind == "choice" and len(self.distractors) < 2:
            raise ValueError("a choice question needs at least 2 distractors")
        if self.kind == "type" and self.distractors:
            raise ValueError("a type question has no distractors")
        if len({d.strip() for d in self.distractors}) != len(self.distractors):
            raise ValueError("distractors must differ from each other")
        return self


class ParsonsTest(ContentModel):
    __test__ = False  # not a pytest test class

    input: str = ""
    output: str


class Parsons(ContentModel):
    """Put the lines of `code` back in order (and, from 10-12 on, indent them)."""

    task: Text
    code: Text  # the reference program: its lines, in order, with their indentation
    tests: list[ParsonsTest] = Field(min_length=2, max_length=4)

    @model_validator(mode="after")
    def _lines_fit(self) -> Parsons:
        lines = self.lines
        if not MIN_PARSONS_LINES <= len(lines) <= MAX_PARSONS_LINES:
            raise ValueError(
                f"a Parsons puzzle has {MIN_PARSONS_LINES}-{MAX_PARSONS_LINES} lines, "
                f"has {len(lines)}"
            )
        for line in lines:
            depth, text = split_indent(line)
            if depth < 0:
                raise ValueError(f"indent with multiples of 4 spaces: {line!r}")
            if not text or text.startswith("#"):
                raise ValueError("no blank or comment lines in a Parsons puzzle")
        if len(set(lines)) == 1:
            raise ValueError("the lines must not all be the same")
        return self

    @property
    def lines(self) -> list[str]:
        return self.code.rstrip("\n").split("\n")


def split_indent(line: str) -> tuple[int, str]:
    """(indent depth in steps of 4 spaces, the text); depth -1 when it is not a multiple."""
    text = line.lstrip(" ")
    spaces = len(line) - len(text)
    if spaces % len(INDENT) or "\t" in line[:spaces]:
        return -1, text
    return spaces // len(INDENT), text


class Lesson(ContentModel):
    age_group: AgeGroup
    level: int = Field(ge=1)
    title: Title
    idea: Text  # Markdown: the idea in a few child-sized sentences
    example: WorkedExample
    predict: list[PredictQuestion] = Field(min_length=MIN_PREDICT, max_length=MAX_PREDICT)
    parsons: Parsons

    def snippets(self) -> list[Snippet]:
        """Every snippet whose output the lesson shows or asks for."""
        return [self.example, *self.predict]


def indents_matter(age_group: str) -> bool:
    """From 10-12 on the learner indents the Parsons lines; 7-9 get them indented."""
    return age_group != "7-9"
