"""Level queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.levels.models import Level


async def list_levels(session: AsyncSession, age_group: str | None = None) -> Sequence[Level]:
    stmt = select(Level)
    if age_group is not None:
        stmt = stmt.where(Level.age_group == age_group)
    return (await session.scalars(stmt.order_by(Level.age_group, Level.number))).all()


async def get_level(session: AsyncSession, age_group: str, number: int) -> Level | None:
    stmt = select(Level).where(Level.age_group == age_group, Level.number == number)
    result: Level | None = await session.scalar(stmt)
    return result


async def remove(session: AsyncSession, level: Level) -> None:
    await session.delete(level)
