"""Draft queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.drafts.models import Draft


async def for_problem(session: AsyncSession, user_id: str, problem_id: str) -> Sequence[Draft]:
    stmt = (
        select(Draft)
        .where(Draft.user_id == user_id, Draft.problem_id == problem_id)
        .order_by(Draft.language)
    )
    return (await session.scalars(stmt)).all()


async def get_for_update(
    session: AsyncSession, user_id: str, problem_id: str, language: str
) -> Draft | None:
    """The draft, locked until the transaction ends (PostgreSQL; SQLite's writer transaction
    already serialises), so two saves of one draft never both pass the version check."""
    stmt = (
        select(Draft)
        .where(Draft.user_id == user_id, Draft.problem_id == problem_id, Draft.language == language)
        .with_for_update()
    )
    found: Draft | None = await session.scalar(stmt)
    return found


async def insert(session: AsyncSession, draft: Draft) -> bool:
    """Add a first draft; False when a concurrent first save made it already."""
    try:
        async with session.begin_nested():
            session.add(draft)
    except IntegrityError:
        return False
    return True
