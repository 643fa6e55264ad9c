"""/progress routes: the current user's own progress only."""

from __future__ import annotations

from fastapi import APIRouter

from coderunner.api.deps import CurrentUser, SessionDep
from coderunner.api.schemas import ERROR_RESPONSES
from coderunner.progress import service
from coderunner.progress.schemas import ProgressOut

router = APIRouter(prefix="/progress", tags=["progress"], responses=ERROR_RESPONSES)


@router.get("", response_model=ProgressOut)
async def my_progress(user: CurrentUser, session: SessionDep) -> ProgressOut:
    return await service.get_progress(session, user.id)
