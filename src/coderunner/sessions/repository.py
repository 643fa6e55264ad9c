"""Learning-session queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.sessions.models import LearningSession


async def get_owned(session: AsyncSession, session_id: str, user_id: str) -> LearningSession | None:
    stmt = (
        select(LearningSession)
        .where(LearningSession.id == session_id, LearningSession.user_id == user_id)
        .with_for_update()
    )
    result: LearningSession | None = await session.scalar(stmt)
    return result


async def page_for_user(
    session: AsyncSession, user_id: str, *, offset: int, limit: int
) -> tuple[Sequence[LearningSession], int]:
    where = LearningSession.user_id == user_id
    total = await session.scalar(select(func.count()).where(where)) or 0
    stmt = (
        select(LearningSession)
        .where(where)
        .order_by(LearningSession.started_at.desc(), LearningSession.id)
        .offset(offset)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all(), int(total)


async def counted_until(session: AsyncSession, user_id: str) -> datetime | None:
    """Up to when the user's study time is counted, over all their sessions; the user's row is
    locked first (PostgreSQL; SQLite's writer transaction already serialises) so two parallel
    heartbeats can't both count the same seconds."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
    latest: datetime | None = await session.scalar(
        select(func.max(LearningSession.counted_until)).where(LearningSession.user_id == user_id)
    )
    return latest
