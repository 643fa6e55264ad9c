"""Progress queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.problems.models import Problem
from coderunner.progress.models import Progress


async def for_user(session: AsyncSession, user_id: str) -> Sequence[tuple[Progress, Problem]]:
    stmt = (
        select(Progress, Problem)
        .join(Problem, Problem.id == Progress.problem_id)
        .where(Progress.user_id == user_id)
        .order_by(Problem.age_group, Problem.level_number, Problem.order, Problem.id)
    )
    return [(p, pr) for p, pr in (await session.execute(stmt)).all()]


async def get(
    session: AsyncSession, user_id: str, problem_id: str, *, for_update: bool = False
) -> Progress | None:
    stmt = select(Progress).where(Progress.user_id == user_id, Progress.problem_id == problem_id)
    if for_update:
        stmt = stmt.with_for_update()
    result: Progress | None = await session.scalar(stmt)
    return result
