"""Lesson JSON (camelCase on the wire). Answers never leave the server before a try."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from coderunner.kernel.schemas import APIModel, InputModel

MAX_ANSWER_CHARS = 2000
MAX_INDENT = 6


class ExampleOut(APIModel):
    code: str
    stdin: str
    explain: str | None
    output: str


class PredictOut(APIModel):
    index: int
    kind: Literal["choice", "type"]
    prompt: str | None
    code: str
    stdin: str
    options: list[str] | None  # choice questions only
    done: bool
    attempts: int
    # what the snippet prints: only once the learner has made a prediction
    output: str | None


class ParsonsLineOut(APIModel):
    id: int
    text: str
    indent: int | None  # given for 7-9; from 10-12 on the learner sets it (None here)


class ParsonsTestOut(APIModel):
    input: str
    output: str


class ParsonsOut(APIModel):
    task: str
    indents_matter: bool
    lines: list[ParsonsLineOut]
    tests: list[ParsonsTestOut]
    done: bool
    attempts: int


class TaskOut(APIModel):
    problem_id: str
    title: str
    difficulty: str
    kind: Literal["modify", "make"]  # modify: starts from starter code; make: a blank editor
    status: Literal["not_started", "attempted", "solved"]
    practice: bool  # not needed to open the next level: extra practice


class LessonSummaryOut(APIModel):
    age_group: str
    level: int
    title: str
    steps_done: int
    steps_total: int
    completed: bool


class PracticeOut(APIModel):
    problem_id: str
    title: str


class LessonListItemOut(LessonSummaryOut):
    # the level's practice problems (beyond the 60% that open the next level) not solved yet
    practice: list[PracticeOut]


class LessonsOut(APIModel):
    age_group: str
    lessons: list[LessonListItemOut]


class LessonOut(LessonSummaryOut):
    idea: str
    example: ExampleOut
    predict: list[PredictOut]
    parsons: ParsonsOut
    tasks: list[TaskOut]


class AnswerIn(InputModel):
    question: int = Field(ge=0, le=10)
    answer: str = Field(max_length=MAX_ANSWER_CHARS)

    model_config = InputModel.model_config | {"str_strip_whitespace": False}


class AnswerOut(APIModel):
    question: int
    correct: bool
    output: str  # what the snippet really prints (computed in the sandbox)
    steps_done: int
    steps_total: int
    completed: bool


class ParsonsLineIn(InputModel):
    id: int = Field(ge=0, le=100)
    indent: int = Field(0, ge=0, le=MAX_INDENT)


class ParsonsIn(InputModel):
    lines: list[ParsonsLineIn] = Field(min_length=1, max_length=20)


class ParsonsTestResultOut(APIModel):
    index: int
    passed: bool
    input: str
    expected: str
    actual: str
    error: str | None


class ParsonsResultOut(APIModel):
    passed: bool
    code: str  # the program the learner's order builds
    tests: list[ParsonsTestResultOut]
    steps_done: int
    steps_total: int
    completed: bool


class ReviewProblemOut(APIModel):
    problem_id: str
    title: str
    age_group: str
    level: int
    days_since: int  # days since the learner last worked on it


class ReviewOut(APIModel):
    """A warm-up: a problem the learner solved in an earlier level and has not done lately."""

    review: ReviewProblemOut | None
