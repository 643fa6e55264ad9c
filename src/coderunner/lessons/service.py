"""Lesson rules: who may open a lesson, checking predictions and Parsons orders, the steps.

A lesson's steps are its predict questions (`predict-0`, ...) and its Parsons puzzle
(`parsons`); a step is done once answered right, and the lesson is completed when every step
is done. A lesson opens with its level: a locked level's lesson answers 403.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.db.base import utcnow
from coderunner.db.engine import begin_write
from coderunner.grading import compare_output
from coderunner.kernel.errors import NotFound, Unprocessable
from coderunner.learning import access
from coderunner.learning.unlocking import UNLOCK_FRACTION
from coderunner.lessons import repository
from coderunner.lessons.models import Lesson, LessonStep
from coderunner.lessons.schemas import (
    AnswerIn,
    AnswerOut,
    ExampleOut,
    LessonListItemOut,
    LessonOut,
    LessonsOut,
    LessonSummaryOut,
    ParsonsIn,
    ParsonsLineOut,
    ParsonsOut,
    ParsonsResultOut,
    ParsonsTestOut,
    ParsonsTestResultOut,
    PracticeOut,
    PredictOut,
    ReviewOut,
    ReviewProblemOut,
    TaskOut,
)

PARSONS = "parsons"
INDENT = "    "


@dataclass(frozen=True, slots=True)
class ProgramResult:
    ok: bool  # ran to the end (verdict OK)
    stdout: str
    error: str | None  # the verdict and the last line of the error, when not ok


class ProgramRunner(Protocol):
    async def run(self, code: str, stdin: str) -> ProgramResult: ...


def _predict_step(index: int) -> str:
    return f"predict-{index}"


def _steps_total(lesson: Lesson) -> int:
    return len(lesson.content["predict"]) + 1


def _done_steps(lesson: Lesson, steps: Sequence[LessonStep]) -> set[str]:
    wanted = {_predict_step(i) for i in range(len(lesson.content["predict"]))} | {PARSONS}
    return {s.step for s in steps if s.done_at is not None and s.step in wanted}


def _summary(lesson: Lesson, steps: Sequence[LessonStep]) -> LessonSummaryOut:
    done = len(_done_steps(lesson, steps))
    total = _steps_total(lesson)
    return LessonSummaryOut(
        age_group=lesson.age_group,
        level=lesson.level_number,
        title=lesson.title,
        steps_done=done,
        steps_total=total,
        completed=done >= total,
    )


async def lessons_of(session: AsyncSession, user: User | None, age_group: str) -> LessonsOut:
    lessons = await repository.of_age_group(session, age_group)
    steps = await repository.steps(session, user.id, age_group) if user else []
    rows = await repository.level_problems(session, user.id if user else None, age_group)
    # a locked level's puzzles are not listed (the one rule: `learning.access`)
    opened = await access.open_levels(session, user, age_group)
    items = []
    for lesson in lessons:
        summary = _summary(lesson, [s for s in steps if s.level_number == lesson.level_number])
        practice: list[PracticeOut] = []
        if opened is None or (age_group, lesson.level_number) in opened:
            tasks = _tasks([row for row in rows if row[0].level_number == lesson.level_number])
            practice = [
                PracticeOut(problem_id=task.problem_id, title=task.title)
                for task in tasks
                if task.practice and task.status != "solved"
            ]
        items.append(LessonListItemOut(**summary.model_dump(), practice=practice))
    return LessonsOut(age_group=age_group, lessons=items)


async def _open_lesson(session: AsyncSession, user: User, age_group: str, number: int) -> Lesson:
    lesson = await repository.get(session, age_group, number)
    if lesson is None:
        raise NotFound("no such lesson")
    await access.ensure_level_open(session, user, age_group, number)  # 403 LEVEL_LOCKED
    return lesson


def _tasks(rows: Sequence[tuple[Any, str | None]]) -> list[TaskOut]:
    needed = math.ceil(len(rows) * UNLOCK_FRACTION)
    return [
        TaskOut(
            problem_id=problem.id,
            title=problem.title,
            difficulty=problem.difficulty,
            kind="make" if not problem.starter_code.strip() else "modify",
            status=status or "not_started",
            practice=position >= needed,
        )
        for position, (problem, status) in enumerate(rows)
    ]


def _parsons_lines(content: dict[str, Any]) -> list[ParsonsLineOut]:
    parsons = content["parsons"]
    lines: list[str] = parsons["lines"]
    out = []
    for index in parsons["order"]:
        text = lines[index].lstrip(" ")
        depth = (len(lines[index]) - len(text)) // len(INDENT)
        out.append(
            ParsonsLineOut(id=index, text=text, indent=None if parsons["indentsMatter"] else depth)
        )
    return out


async def lesson_for(session: AsyncSession, user: User, age_group: str, number: int) -> LessonOut:
    lesson = await _open_lesson(session, user, age_group, number)
    steps = await repository.steps(session, user.id, age_group, number)
    by_step = {s.step: s for s in steps}
    content = lesson.content
    predict = []
    for index, question in enumerate(content["predict"]):
        step = by_step.get(_predict_step(index))
        tried = step is not None and step.attempts > 0
        predict.append(
            PredictOut(
                index=index,
                kind=question["kind"],
                prompt=question.get("prompt"),
                code=question["code"],
                stdin=question.get("stdin") or "",
                options=question.get("options"),
                done=step is not None and step.done_at is not None,
                attempts=step.attempts if step else 0,
                output=question["answer"] if tried else None,
            )
        )
    parsons_step = by_step.get(PARSONS)
    parsons = content["parsons"]
    rows = await repository.level_problems(session, user.id, age_group, number)
    summary = _summary(lesson, steps)
    return LessonOut(
        **summary.model_dump(),
        idea=content["idea"],
        example=ExampleOut.model_validate(content["example"]),
        predict=predict,
        parsons=ParsonsOut(
            task=parsons["task"],
            indents_matter=parsons["indentsMatter"],
            lines=_parsons_lines(content),
            tests=[ParsonsTestOut.model_validate(test) for test in parsons["tests"]],
            done=parsons_step is not None and parsons_step.done_at is not None,
            attempts=parsons_step.attempts if parsons_step else 0,
        ),
        tasks=_tasks(rows),
    )


async def _record(
    session: AsyncSession, user: User, lesson: Lesson, step_name: str, correct: bool
) -> LessonSummaryOut:
    step = await repository.step_for_update(
        session, user.id, lesson.age_group, lesson.level_number, step_name
    )
    step.attempts += 1
    now = utcnow()
    if correct and step.done_at is None:
        step.done_at = now
    step.updated_at = now
    await session.flush()
    steps = await repository.steps(session, user.id, lesson.age_group, lesson.level_number)
    return _summary(lesson, steps)


def is_right(question: dict[str, Any], answer: str) -> bool:
    """A prediction is right when it is the computed output (trailing spaces and blank lines
    at the end never matter; a chosen option is the output without its last newline)."""
    return compare_output(question["answer"], answer, "trailing")


async def answer(
    session: AsyncSession, user: User, age_group: str, number: int, body: AnswerIn
) -> AnswerOut:
    lesson = await _open_lesson(session, user, age_group, number)
    questions = lesson.content["predict"]
    if body.question >= len(questions):
        raise NotFound("no such question in this lesson")
    question = questions[body.question]
    options = question.get("options")
    if options is not None and body.answer not in options:
        raise Unprocessable("pick one of the answers shown", code="NOT_AN_OPTION")
    correct = is_right(question, body.answer)
    summary = await _record(session, user, lesson, _predict_step(body.question), correct)
    return AnswerOut(
        question=body.question,
        correct=correct,
        output=question["answer"],
        steps_done=summary.steps_done,
        steps_total=summary.steps_total,
        completed=summary.completed,
    )


def build_program(content: dict[str, Any], body: ParsonsIn) -> str:
    """The learner's program: every line of the puzzle once, in their order (and indentation
    from 10-12 on; 7-9 lines keep their own)."""
    parsons = content["parsons"]
    lines: list[str] = parsons["lines"]
    ids = [line.id for line in body.lines]
    if sorted(ids) != list(range(len(lines))):
        raise Unprocessable(
            "use every line of the puzzle exactly once", code="PARSONS_LINES_INCOMPLETE"
        )
    built = []
    for line in body.lines:
        original = lines[line.id]
        text = original.lstrip(" ")
        depth = line.indent if parsons["indentsMatter"] else (len(original) - len(text)) // 4
        built.append(INDENT * depth + text)
    return "\n".join(built) + "\n"


async def check_parsons(
    session: AsyncSession,
    user: User,
    age_group: str,
    number: int,
    body: ParsonsIn,
    runner: ProgramRunner,
) -> ParsonsResultOut:
    """Run the learner's order on each test in turn (stopping at the first that fails)."""
    lesson = await _open_lesson(session, user, age_group, number)
    code = build_program(lesson.content, body)
    results: list[ParsonsTestResultOut] = []
    for index, test in enumerate(lesson.content["parsons"]["tests"]):
        run = await runner.run(code, test["input"])
        passed = run.ok and compare_output(test["output"], run.stdout, "trailing")
        results.append(
            ParsonsTestResultOut(
                index=index,
                passed=passed,
                input=test["input"],
                expected=test["output"],
                actual=run.stdout,
                error=run.error,
            )
        )
        if not passed:
            break
    passed_all = len(results) == len(lesson.content["parsons"]["tests"]) and all(
        r.passed for r in results
    )
    await begin_write(session)  # the runs committed the request's transaction: a new one
    summary = await _record(session, user, lesson, PARSONS, passed_all)
    return ParsonsResultOut(
        passed=passed_all,
        code=code,
        tests=results,
        steps_done=summary.steps_done,
        steps_total=summary.steps_total,
        completed=summary.completed,
    )


REVIEW_AFTER_DAYS = 3


async def review_for(session: AsyncSession, user: User) -> ReviewOut:
    """Spaced review: a solved problem from a level below the learner's highest open level in
    their age group, not worked on for `REVIEW_AFTER_DAYS` days (the longest untouched first)."""
    if user.age_group is None:
        return ReviewOut(review=None)
    states = await access.states_for(session, user, user.age_group)
    open_levels = [number for number, state in states.items() if not state.locked]
    if not open_levels:
        return ReviewOut(review=None)
    now = utcnow()
    found = await repository.solved_before(
        session,
        user.id,
        user.age_group,
        max(open_levels),
        now - timedelta(days=REVIEW_AFTER_DAYS),
    )
    if not found:
        return ReviewOut(review=None)
    problem, updated = found[0]
    if updated.tzinfo is None:  # SQLite hands back naive UTC
        updated = updated.replace(tzinfo=UTC)
    return ReviewOut(
        review=ReviewProblemOut(
            problem_id=problem.id,
            title=problem.title,
            age_group=problem.age_group,
            level=problem.level_number,
            days_since=(now - updated).days,
        )
    )
