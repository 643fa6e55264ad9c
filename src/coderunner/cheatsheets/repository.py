"""Cheatsheet queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.cheatsheets.models import Cheatsheet


async def list_cheatsheets(
    session: AsyncSession, age_group: str | None, level: int | None
) -> Sequence[Cheatsheet]:
    stmt = select(Cheatsheet)
    if age_group is not None:
        stmt = stmt.where(Cheatsheet.age_group == age_group)
    if level is not None:
        stmt = stmt.where(Cheatsheet.level_number == level)
    stmt = stmt.order_by(
        Cheatsheet.age_group, Cheatsheet.level_number, Cheatsheet.position, Cheatsheet.slug
    )
    return (await session.scalars(stmt)).all()


async def get(session: AsyncSession, slug: str) -> Cheatsheet | None:
    return await session.get(Cheatsheet, slug)
