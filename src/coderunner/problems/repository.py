"""Problem and test-case queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, and_, cast, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from coderunner.classes.models import ClassProblem
from coderunner.problems.models import Problem


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(
    *,
    age_group: str | None = None,
    level: int | None = None,
    concept: str | None = None,
    q: str | None = None,
    published_only: bool = True,
    levels: list[tuple[str, int]] | None = None,
) -> Select[Problem]:
    """Catalogue problems matching the filters; `levels` (when not None) keeps those (age group,
    level). A problem written for one class is never listed here (its class lists it)."""
    stmt = select(Problem).where(~exists().where(ClassProblem.problem_id == Problem.id))
    if levels is not None:
        stmt = stmt.where(
            or_(
                false(),
                *(and_(Problem.age_group == a, Problem.level_number == n) for a, n in levels),
            )
        )
    if published_only:
        stmt = stmt.where(Problem.is_published.is_(True))
    if age_group is not None:
        stmt = stmt.where(Problem.age_group == age_group)
    if level is not None:
        stmt = stmt.where(Problem.level_number == level)
    if concept:
        # JSON list stored as text on both backends: match the quoted element
        needle = '%"' + _escape_like(concept) + '"%'
        stmt = stmt.where(cast(Problem.concepts, String).like(needle, escape="\\"))
    if q:
        needle = "%" + _escape_like(q.lower()) + "%"
        stmt = stmt.where(func.lower(Problem.title).like(needle, escape="\\"))
    return stmt


async def page(
    session: AsyncSession, stmt: Select[Problem], *, offset: int, limit: int
) -> tuple[Sequence[Problem], int]:
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ordered = (
        stmt.order_by(Problem.age_group, Problem.level_number, Problem.order, Problem.id)
        .offset(offset)
        .limit(limit)
    )
    rows = (await session.scalars(ordered)).all()
    return rows, int(total)


async def get(
    session: AsyncSession, problem_id: str, *, with_tests: bool = False
) -> Problem | None:
    stmt = select(Problem).where(Problem.id == problem_id)
    if with_tests:
        stmt = stmt.options(selectinload(Problem.test_cases))
    result: Problem | None = await session.scalar(stmt)
    return result


async def by_id(session: AsyncSession, problem_id: str) -> Problem | None:
    """The problem by its primary key (the session's own copy when it holds one already)."""
    return await session.get(Problem, problem_id)


async def remove(session: AsyncSession, problem: Problem) -> None:
    """Delete the problem (its test cases go with it)."""
    await session.delete(problem)


async def in_level(
    session: AsyncSession, age_group: str, level: int, *, published_only: bool = True
) -> Sequence[Problem]:
    stmt = filtered(age_group=age_group, level=level, published_only=published_only)
    return (await session.scalars(stmt.order_by(Problem.order, Problem.id))).all()


async def counts_by_level(session: AsyncSession) -> dict[tuple[str, int], int]:
    stmt = (
        select(Problem.age_group, Problem.level_number, func.count())
        .where(Problem.is_published.is_(True))
        .group_by(Problem.age_group, Problem.level_number)
    )
    return {(a, n): int(c) for a, n, c in (await session.execute(stmt)).all()}
