"""Who may act on a learner's account: admins on anyone, a teacher on learners of the classes they
teach. Below the class and learning domains, so both (and the user endpoints) ask it without
importing each other; it reads class membership, which the classes domain owns and writes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import Role, User
from coderunner.classes.models import ClassMember, ClassTeacher


async def teaches(session: AsyncSession, teacher_id: str, learner_id: str) -> bool:
    """True when `learner_id` is a learner in a class that `teacher_id` teaches."""
    found = await session.scalar(
        select(ClassMember.user_id)
        .join(ClassTeacher, ClassTeacher.class_id == ClassMember.class_id)
        .where(ClassTeacher.user_id == teacher_id, ClassMember.user_id == learner_id)
        .limit(1)
    )
    return found is not None


async def may_act_on_learner(session: AsyncSession, staff: User, learner_id: str) -> bool:
    """Admins act on anyone; a teacher only on learners of a class they teach."""
    if staff.role == Role.ADMIN:
        return True
    if staff.role != Role.TEACHER:
        return False
    return await teaches(session, staff.id, learner_id)
