"""/cheatsheets routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from coderunner.cheatsheets import service
from coderunner.cheatsheets.schemas import CheatsheetOut, CheatsheetSummary
from coderunner.kernel.ages import AgeGroup
from coderunner.kernel.etag import ETagRoute
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep

router = APIRouter(
    prefix="/cheatsheets", tags=["cheatsheets"], responses=ERROR_RESPONSES, route_class=ETagRoute
)


@router.get("", response_model=list[CheatsheetSummary])
async def list_cheatsheets(
    session: SessionDep,
    age_group: Annotated[AgeGroup | None, Query(alias="ageGroup")] = None,
    level: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> list[CheatsheetSummary]:
    return await service.list_cheatsheets(session, age_group, level)


@router.get("/{slug}", response_model=CheatsheetOut)
async def get_cheatsheet(slug: str, session: SessionDep) -> CheatsheetOut:
    return await service.get_cheatsheet(session, slug)
