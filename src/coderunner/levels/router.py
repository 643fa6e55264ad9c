"""/levels routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from coderunner.auth.deps import OptionalUser, StaffUser
from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.etag import ETagRoute
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep
from coderunner.levels import service
from coderunner.levels.schemas import LevelCreate, LevelDetail, LevelOut, LevelUpdate

router = APIRouter(
    prefix="/levels", tags=["levels"], responses=ERROR_RESPONSES, route_class=ETagRoute
)

LevelNumber = Annotated[int, Path(ge=1, le=1000)]


@router.get("", response_model=list[LevelOut])
async def list_levels(session: SessionDep) -> list[LevelOut]:
    return await service.list_levels(session)


@router.get("/{age_group}", response_model=list[LevelOut])
async def list_age_group(
    age_group: AgeGroup, session: SessionDep, viewer: OptionalUser
) -> list[LevelOut]:
    """The age group's levels; for a logged-in viewer with their lock state and completion."""
    return await service.list_levels(session, age_group, viewer)


@router.get("/{age_group}/{level_number}", response_model=LevelDetail)
async def get_level(
    age_group: AgeGroup, level_number: LevelNumber, session: SessionDep, viewer: OptionalUser
) -> LevelDetail:
    """A level and its problems; a learner gets 403 LEVEL_LOCKED for a level still locked."""
    return await service.get_level(session, age_group, level_number, viewer)


@router.post("", response_model=LevelOut, status_code=201)
async def create_level(body: LevelCreate, session: SessionDep, _staff: StaffUser) -> LevelOut:
    return await service.create_level(session, body)


@router.patch("/{age_group}/{level_number}", response_model=LevelOut)
async def update_level(
    age_group: AgeGroup,
    level_number: LevelNumber,
    body: LevelUpdate,
    session: SessionDep,
    _staff: StaffUser,
) -> LevelOut:
    return await service.update_level(session, age_group, level_number, body)


@router.delete("/{age_group}/{level_number}", status_code=204, response_class=Response)
async def delete_level(
    age_group: AgeGroup, level_number: LevelNumber, session: SessionDep, _staff: StaffUser
) -> Response:
    await service.delete_level(session, age_group, level_number)
    return Response(status_code=204)
