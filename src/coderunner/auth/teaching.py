"""Who may act on a learner's account: admins on anyone, a teacher on learners of the classes they
teach. Below the class and learning domains, so both (and the user endpoints) ask it without
importing each other; it reads class membership, which the classes domain owns and writes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth import repository
from coderunner.auth.models import Role, User


async def may_act_on_learner(session: AsyncSession, staff: User, learner_id: str) -> bool:
    """Admins act on anyone; a teacher only on learners of a class they teach."""
    if staff.role == Role.ADMIN:
        return True
    if staff.role != Role.TEACHER:
        return False
    return await repository.teaches(session, staff.id, learner_id)
