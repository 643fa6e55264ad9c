"""/celebrations routes: my unseen events, and marking them seen once shown."""

from __future__ import annotations

from fastapi import APIRouter

from coderunner.auth.deps import CurrentUser
from coderunner.celebrations import service
from coderunner.celebrations.schemas import CelebrationsOut, SeenIn, SeenOut
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep

router = APIRouter(prefix="/celebrations", tags=["celebrations"], responses=ERROR_RESPONSES)


@router.get("", response_model=CelebrationsOut)
async def my_unseen(user: CurrentUser, session: SessionDep) -> CelebrationsOut:
    """What happened that the learner was not shown yet (a solve, badges, levels, a streak)."""
    return await service.unseen(session, user.id)


@router.post("/seen", response_model=SeenOut)
async def mark_seen(body: SeenIn, user: CurrentUser, session: SessionDep) -> SeenOut:
    """Mark shown events seen; ids of events that are not the caller's change nothing."""
    return await service.mark_seen(session, user.id, body.ids)
