"""Learning-session rules: time is counted on the server, capped per heartbeat gap, and per
user (parallel sessions share one clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.db.base import utcnow
from coderunner.kernel.errors import Conflict, NotFound
from coderunner.learning import access
from coderunner.progress import service as progress_service
from coderunner.sessions import repository
from coderunner.sessions.models import LearningSession
from coderunner.sessions.schemas import SessionOut, SessionPage, SessionStart


async def start(session: AsyncSession, user: User, data: SessionStart) -> SessionOut:
    """Time a problem (or a level) the learner may open: 404 for a missing or unpublished
    problem, 403 `LEVEL_LOCKED` for a locked level, as every other route answers."""
    if data.problem_id is not None:
        await access.problem_for(session, user, data.problem_id)
    else:
        await access.ensure_level_open(session, user, data.age_group, data.level_number)
    now = utcnow()
    learning = LearningSession(
        user_id=user.id,
        age_group=data.age_group,
        level_number=data.level_number,
        problem_id=data.problem_id,
        started_at=now,
        last_heartbeat_at=now,
        active_seconds=0,
    )
    session.add(learning)
    await session.flush()
    return SessionOut.model_validate(learning)


async def _accrue(
    session: AsyncSession, learning: LearningSession, now: datetime, cap_s: int
) -> None:
    """Count the time since this session's last heartbeat (at most `cap_s`), but only the part
    no other session of the user counted already: study time is per user, never more than the
    wall time, however many tabs are open."""
    start = max(learning.last_heartbeat_at, now - timedelta(seconds=cap_s))
    watermark = await repository.counted_until(session, learning.user_id)
    if watermark is not None:
        start = max(start, watermark)
    counted = max(0, int((now - start).total_seconds()))
    learning.active_seconds += counted
    learning.last_heartbeat_at = now
    learning.counted_until = max(now, watermark) if watermark is not None else now
    if learning.problem_id is not None and counted:
        await progress_service.add_time(session, learning.user_id, learning.problem_id, counted)


async def _open(session: AsyncSession, session_id: str, user_id: str) -> LearningSession:
    learning = await repository.get_owned(session, session_id, user_id)
    if learning is None:
        raise NotFound("no such session")
    if learning.ended_at is not None:
        raise Conflict("this session has ended", code="SESSION_ENDED")
    return learning


async def heartbeat(session: AsyncSession, session_id: str, user_id: str, cap_s: int) -> SessionOut:
    learning = await _open(session, session_id, user_id)
    await _accrue(session, learning, utcnow(), cap_s)
    await session.flush()
    return SessionOut.model_validate(learning)


async def end(session: AsyncSession, session_id: str, user_id: str, cap_s: int) -> SessionOut:
    learning = await _open(session, session_id, user_id)
    now = utcnow()
    await _accrue(session, learning, now, cap_s)
    learning.ended_at = now
    await session.flush()
    return SessionOut.model_validate(learning)


async def list_mine(session: AsyncSession, user_id: str, page: int, page_size: int) -> SessionPage:
    rows, total = await repository.page_for_user(
        session, user_id, offset=(page - 1) * page_size, limit=page_size
    )
    return SessionPage(
        items=[SessionOut.model_validate(r) for r in rows],
        total=total,
        page=page,
        page_size=page_size,
    )
