"""/learning routes: streak, level states (locks), effort badges, teacher unlocks, hints."""

from __future__ import annotations

from fastapi import APIRouter

from coderunner.auth.deps import CurrentUser, StaffUser
from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep
from coderunner.learning import service
from coderunner.learning.schemas import (
    EffortBadgesOut,
    HintIn,
    HintOut,
    LevelStatesOut,
    StreakOut,
    UnlockIn,
)

router = APIRouter(prefix="/learning", tags=["learning"], responses=ERROR_RESPONSES)


@router.get("/streak", response_model=StreakOut)
async def my_streak(user: CurrentUser, session: SessionDep) -> StreakOut:
    return await service.streak(session, user.id)


@router.get("/levels/{age_group}", response_model=LevelStatesOut)
async def my_levels(age_group: AgeGroup, user: CurrentUser, session: SessionDep) -> LevelStatesOut:
    """Each level with its lock state and completion, for the caller."""
    return await service.levels_for(session, user, age_group)


@router.get("/badges", response_model=EffortBadgesOut)
async def my_effort_badges(user: CurrentUser, session: SessionDep) -> EffortBadgesOut:
    return await service.effort_badges(session, user.id)


@router.post("/hints", response_model=HintOut)
async def reveal_hint(body: HintIn, user: CurrentUser, session: SessionDep) -> HintOut:
    """Record that the learner opened a hint (hints used count in badges)."""
    return await service.record_hint(session, user, body.problem_id, body.hint_index)


@router.post("/unlocks", response_model=LevelStatesOut)
async def unlock_level(body: UnlockIn, staff: StaffUser, session: SessionDep) -> LevelStatesOut:
    """A teacher (of a class the learner is in) or an admin opens a level for one learner."""
    return await service.unlock(session, staff, body.user_id, body.age_group, body.level_number)


@router.delete("/unlocks/{user_id}/{age_group}/{level_number}", response_model=LevelStatesOut)
async def relock_level(
    user_id: str, age_group: AgeGroup, level_number: int, staff: StaffUser, session: SessionDep
) -> LevelStatesOut:
    """Take a teacher's unlock back (the level may still be open through the learner's work)."""
    return await service.relock(session, staff, user_id, age_group, level_number)
