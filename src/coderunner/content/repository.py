"""The curriculum loader's queries over the tables it seeds (levels, cheatsheets, problems and
their test cases, lessons: the shared data layer, ADR 0010)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.cheatsheets.models import Cheatsheet
from coderunner.lessons.models import Lesson
from coderunner.levels.models import Level
from coderunner.problems.models import Problem, TestCase


async def levels(session: AsyncSession) -> Sequence[Level]:
    return (await session.scalars(select(Level))).all()


async def cheatsheets(session: AsyncSession) -> Sequence[Cheatsheet]:
    return (await session.scalars(select(Cheatsheet))).all()


async def problems(session: AsyncSession) -> Sequence[Problem]:
    return (await session.scalars(select(Problem))).all()


async def test_cases(session: AsyncSession) -> Sequence[TestCase]:
    """Every problem's test cases, each problem's in their order."""
    return (await session.scalars(select(TestCase).order_by(TestCase.position))).all()


async def lessons(session: AsyncSession) -> Sequence[Lesson]:
    return (await session.scalars(select(Lesson))).all()


async def delete_test_cases(session: AsyncSession, problem_id: str) -> None:
    await session.execute(delete(TestCase).where(TestCase.problem_id == problem_id))


async def remove(session: AsyncSession, row: Cheatsheet | Lesson) -> None:
    """Delete a cheatsheet or lesson whose file is gone."""
    await session.delete(row)
