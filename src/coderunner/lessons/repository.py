"""Lesson queries: the synced lessons and a learner's steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.lessons.models import Lesson, LessonStep
from coderunner.problems.models import Problem
from coderunner.progress.models import Progress, ProgressStatus


async def get(session: AsyncSession, age_group: str, number: int) -> Lesson | None:
    return await session.get(Lesson, (age_group, number))


async def of_age_group(session: AsyncSession, age_group: str) -> Sequence[Lesson]:
    stmt = select(Lesson).where(Lesson.age_group == age_group).order_by(Lesson.level_number)
    return (await session.scalars(stmt)).all()


async def steps(
    session: AsyncSession, user_id: str, age_group: str, number: int | None = None
) -> Sequence[LessonStep]:
    stmt = select(LessonStep).where(
        LessonStep.user_id == user_id, LessonStep.age_group == age_group
    )
    if number is not None:
        stmt = stmt.where(LessonStep.level_number == number)
    return (await session.scalars(stmt)).all()


async def step_for_update(
    session: AsyncSession, user_id: str, age_group: str, number: int, step: str
) -> LessonStep:
    """The learner's row for `step`, created (attempts 0) when it is the first try."""
    stmt = (
        select(LessonStep)
        .where(
            LessonStep.user_id == user_id,
            LessonStep.age_group == age_group,
            LessonStep.level_number == number,
            LessonStep.step == step,
        )
        .with_for_update()
    )
    found: LessonStep | None = await session.scalar(stmt)
    if found is not None:
        return found
    row = LessonStep(
        user_id=user_id, age_group=age_group, level_number=number, step=step, attempts=0
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # a concurrent first try made it
        again: LessonStep | None = await session.scalar(stmt)
        if again is None:
            raise
        return again
    return row


async def level_problems(
    session: AsyncSession, user_id: str | None, age_group: str, number: int | None = None
) -> Sequence[tuple[Problem, str | None]]:
    """A level's (or, without `number`, every level's) published problems in order, each with
    the learner's status (None when not tried or without a learner)."""
    stmt = (
        select(Problem, Progress.status)
        .outerjoin(Progress, (Progress.problem_id == Problem.id) & (Progress.user_id == user_id))
        .where(Problem.age_group == age_group, Problem.is_published.is_(True))
        .order_by(Problem.level_number, Problem.order, Problem.id)
    )
    if number is not None:
        stmt = stmt.where(Problem.level_number == number)
    return [(problem, status) for problem, status in (await session.execute(stmt)).all()]


async def solved_before(
    session: AsyncSession, user_id: str, age_group: str, below_level: int, before: datetime
) -> Sequence[tuple[Problem, datetime]]:
    """Published problems of `age_group` below `below_level` that the learner solved and has not
    touched since `before`, the longest untouched first."""
    stmt = (
        select(Problem, Progress.updated_at)
        .join(Progress, Progress.problem_id == Problem.id)
        .where(
            Progress.user_id == user_id,
            Progress.status == ProgressStatus.SOLVED,
            Progress.updated_at < before,
            Problem.age_group == age_group,
            Problem.level_number < below_level,
            Problem.is_published.is_(True),
        )
        .order_by(Progress.updated_at, Problem.level_number, Problem.order)
        .limit(5)
    )
    return [(problem, updated) for problem, updated in (await session.execute(stmt)).all()]
