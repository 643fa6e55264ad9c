"""User queries."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User


async def get_user(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_username(session: AsyncSession, username: str) -> User | None:
    stmt = select(User).where(func.lower(User.username) == username.lower())
    result: User | None = await session.scalar(stmt)
    return result


async def add_user(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user
