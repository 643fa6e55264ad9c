"""User queries."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.classes.models import ClassMember, ClassTeacher


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


async def teaches(session: AsyncSession, teacher_id: str, learner_id: str) -> bool:
    """True when `learner_id` is a learner in a class that `teacher_id` teaches (class
    membership is the classes domain's table, read here so auth need not import classes)."""
    found = await session.scalar(
        select(ClassMember.user_id)
        .join(ClassTeacher, ClassTeacher.class_id == ClassMember.class_id)
        .where(ClassTeacher.user_id == teacher_id, ClassMember.user_id == learner_id)
        .limit(1)
    )
    return found is not None
