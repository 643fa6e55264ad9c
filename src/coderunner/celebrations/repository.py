"""Queries of celebrations: recorded events, unseen ones, marking them seen."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.celebrations.models import Celebration
from coderunner.problems.models import Problem
from coderunner.progress.models import Progress, ProgressStatus


async def problem(session: AsyncSession, problem_id: str) -> Problem | None:
    """The problem by its primary key (problems are the problems domain's table)."""
    return await session.get(Problem, problem_id)


async def solved(session: AsyncSession, user_id: str, problem_id: str) -> bool:
    status = await session.scalar(
        select(Progress.status).where(
            Progress.user_id == user_id, Progress.problem_id == problem_id
        )
    )
    return status == ProgressStatus.SOLVED


async def xp_of(session: AsyncSession, user_id: str, problem_id: str) -> int:
    xp = await session.scalar(
        select(Progress.xp_awarded).where(
            Progress.user_id == user_id, Progress.problem_id == problem_id
        )
    )
    return int(xp or 0)


async def add_once(session: AsyncSession, event: Celebration) -> bool:
    """Insert `event` unless the learner already has it (same kind and key): True if added."""
    exists = await session.scalar(
        select(Celebration.id).where(
            Celebration.user_id == event.user_id,
            Celebration.kind == event.kind,
            Celebration.key == event.key,
        )
    )
    if exists is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(event)
            await session.flush()
    except IntegrityError:  # a concurrent job of the same learner recorded it first
        return False
    return True


async def unseen(session: AsyncSession, user_id: str, limit: int) -> Sequence[Celebration]:
    found = await session.scalars(
        select(Celebration)
        .where(Celebration.user_id == user_id, Celebration.seen_at.is_(None))
        .order_by(Celebration.id)
        .limit(limit)
    )
    return found.all()


async def mark_seen(session: AsyncSession, user_id: str, ids: Collection[int], at: datetime) -> int:
    """Mark the learner's own unseen events among `ids` as seen; how many were marked now."""
    result = await session.execute(
        update(Celebration)
        .where(
            Celebration.user_id == user_id,
            Celebration.id.in_(list(ids)),
            Celebration.seen_at.is_(None),
        )
        .values(seen_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
