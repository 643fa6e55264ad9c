"""/sessions routes: a learner's own learning sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from coderunner.auth.deps import CurrentUser
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep, SettingsDep
from coderunner.sessions import service
from coderunner.sessions.schemas import SessionOut, SessionPage, SessionStart

router = APIRouter(prefix="/sessions", tags=["sessions"], responses=ERROR_RESPONSES)


@router.post("", response_model=SessionOut, status_code=201)
async def start_session(body: SessionStart, user: CurrentUser, session: SessionDep) -> SessionOut:
    return await service.start(session, user, body)


@router.post("/{session_id}/heartbeat", response_model=SessionOut)
async def heartbeat(
    session_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> SessionOut:
    return await service.heartbeat(session, session_id, user.id, settings.session_heartbeat_cap_s)


@router.post("/{session_id}/end", response_model=SessionOut)
async def end_session(
    session_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> SessionOut:
    return await service.end(session, session_id, user.id, settings.session_heartbeat_cap_s)


@router.get("", response_model=SessionPage)
async def my_sessions(
    user: CurrentUser,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
) -> SessionPage:
    return await service.list_mine(session, user.id, page, page_size)
