"""Queries the learning model reads: activity days, solved counts per level, unlocks, hints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.execution.models import ExecutionJob, JobStatus
from coderunner.learning.models import LevelUnlock
from coderunner.levels.models import Level
from coderunner.problems.models import Problem
from coderunner.progress.models import Progress, ProgressStatus


async def activity_days(session: AsyncSession, user_id: str, since: datetime) -> set[date]:
    """UTC days on which the learner ran or submitted code."""
    rows = await session.scalars(
        select(ExecutionJob.created_at).where(
            ExecutionJob.user_id == user_id, ExecutionJob.created_at >= since
        )
    )
    return {created.date() for created in rows}


async def job_verdicts(session: AsyncSession, user_id: str, limit: int) -> Sequence[str]:
    """Verdicts of the learner's finished jobs, oldest first (for effort badges)."""
    rows = await session.scalars(
        select(ExecutionJob.verdict)
        .where(
            ExecutionJob.user_id == user_id,
            ExecutionJob.status == JobStatus.COMPLETED.value,
            ExecutionJob.verdict.is_not(None),
        )
        .order_by(ExecutionJob.created_at)
        .limit(limit)
    )
    return [v for v in rows if v is not None]


async def level_totals(session: AsyncSession, age_group: str) -> dict[int, int]:
    rows = await session.execute(
        select(Problem.level_number, func.count(Problem.id))
        .where(Problem.age_group == age_group, Problem.is_published.is_(True))
        .group_by(Problem.level_number)
    )
    return {int(n): int(c) for n, c in rows.all()}


async def solved_per_level(session: AsyncSession, user_id: str, age_group: str) -> dict[int, int]:
    rows = await session.execute(
        select(Problem.level_number, func.count(Progress.id))
        .join(Problem, Problem.id == Progress.problem_id)
        .where(
            Progress.user_id == user_id,
            Progress.status == ProgressStatus.SOLVED,
            Problem.age_group == age_group,
            Problem.is_published.is_(True),
        )
        .group_by(Problem.level_number)
    )
    return {int(n): int(c) for n, c in rows.all()}


async def solved_without_hints(session: AsyncSession, user_id: str) -> int:
    count = await session.scalar(
        select(func.count(Progress.id)).where(
            Progress.user_id == user_id,
            Progress.status == ProgressStatus.SOLVED,
            Progress.hints_used == 0,
        )
    )
    return int(count or 0)


async def unlocked_levels(session: AsyncSession, user_id: str, age_group: str) -> set[int]:
    rows = await session.scalars(
        select(LevelUnlock.level_number).where(
            LevelUnlock.user_id == user_id, LevelUnlock.age_group == age_group
        )
    )
    return set(rows)


async def add_unlock(
    session: AsyncSession, user_id: str, age_group: str, level_number: int, by: str
) -> None:
    exists = await session.scalar(
        select(LevelUnlock.id).where(
            and_(
                LevelUnlock.user_id == user_id,
                LevelUnlock.age_group == age_group,
                LevelUnlock.level_number == level_number,
            )
        )
    )
    if exists is None:
        session.add(
            LevelUnlock(
                user_id=user_id, age_group=age_group, level_number=level_number, unlocked_by=by
            )
        )
        await session.flush()


async def remove_unlock(
    session: AsyncSession, user_id: str, age_group: str, level_number: int
) -> None:
    await session.execute(
        delete(LevelUnlock).where(
            LevelUnlock.user_id == user_id,
            LevelUnlock.age_group == age_group,
            LevelUnlock.level_number == level_number,
        )
    )


async def levels_of(session: AsyncSession, age_group: str) -> list[Level]:
    """An age group's levels, in order."""
    found = await session.scalars(
        select(Level).where(Level.age_group == age_group).order_by(Level.number)
    )
    return list(found.all())


async def level_exists(session: AsyncSession, age_group: str, number: int) -> bool:
    found = await session.scalar(
        select(Level.id).where(Level.age_group == age_group, Level.number == number)
    )
    return found is not None
