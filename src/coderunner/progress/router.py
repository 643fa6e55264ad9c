"""/progress routes: my progress and badges, the weekly leaderboard, teachers' overview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from coderunner.auth.deps import AdminUser, CurrentUser
from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep
from coderunner.progress import community, service
from coderunner.progress.schemas import BadgesOut, LeaderboardOut, LearnersOut, ProgressOut

router = APIRouter(prefix="/progress", tags=["progress"], responses=ERROR_RESPONSES)

AgeGroupQuery = Annotated[AgeGroup | None, Query(alias="ageGroup")]


@router.get("", response_model=ProgressOut)
async def my_progress(user: CurrentUser, session: SessionDep) -> ProgressOut:
    return await service.get_progress(session, user.id)


@router.get("/badges", response_model=BadgesOut)
async def my_badges(user: CurrentUser, session: SessionDep) -> BadgesOut:
    return await community.badges(session, user.id)


@router.get("/leaderboard", response_model=LeaderboardOut)
async def leaderboard(
    user: CurrentUser, session: SessionDep, age_group: AgeGroupQuery = None
) -> LeaderboardOut:
    """This week's XP of learners 13-16 who opted in (children are on class boards only)."""
    return await community.leaderboard(session, user.id, age_group)


@router.get("/learners", response_model=LearnersOut)
async def learners(
    _admin: AdminUser, session: SessionDep, age_group: AgeGroupQuery = None
) -> LearnersOut:
    """Every learner on the server (admins; teachers see their classes at /classes)."""
    return await community.learners(session, age_group)
