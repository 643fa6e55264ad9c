"""/drafts routes: the caller's own code per problem and language, saved as they type."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from limits import RateLimitItemPerMinute

from coderunner.auth.deps import CurrentUser
from coderunner.drafts import service
from coderunner.drafts.schemas import DraftOut, DraftSave, DraftsOut
from coderunner.kernel.errors import RateLimited
from coderunner.kernel.ratelimit import RateLimiter
from coderunner.kernel.schemas import ERROR_RESPONSES, ErrorOut
from coderunner.kernel.unit_of_work import SessionDep, SettingsDep

RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    412: {"model": ErrorOut, "description": "Saved from another window since (`error.current`)"},
}
router = APIRouter(prefix="/drafts", tags=["drafts"], responses=RESPONSES)

ProblemId = Annotated[str, Path(max_length=100)]
Language = Annotated[str, Path(max_length=32)]
SLOW_DOWN = "You are saving very fast. Your code is kept here; it saves again in a moment."


async def _save_allowed(request: Request, user: CurrentUser, settings: SettingsDep) -> None:
    """The per-user limit on saves (a child typing saves a few times a minute)."""
    if settings.draft_saves_per_minute <= 0:
        return
    limiter: RateLimiter = request.app.state.limiter
    item = RateLimitItemPerMinute(settings.draft_saves_per_minute)
    retry = await limiter.hit(item, "draft-save", user.id)
    if retry is not None:
        raise RateLimited(retry, SLOW_DOWN)


@router.get("/{problem_id}", response_model=DraftsOut)
async def my_drafts(problem_id: ProblemId, user: CurrentUser, session: SessionDep) -> DraftsOut:
    """My drafts of a problem, one per language (`code` null after a reset)."""
    return await service.mine(session, user, problem_id)


@router.put(
    "/{problem_id}/{language}",
    response_model=DraftOut,
    dependencies=[Depends(_save_allowed)],
)
async def save_draft(
    problem_id: ProblemId,
    language: Language,
    body: DraftSave,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> DraftOut:
    """Save my code on top of `baseVersion`; 412 `DRAFT_CHANGED` with `error.current` when
    another window saved since."""
    return await service.save(session, user, problem_id, language, body, settings.max_code_bytes)


@router.delete("/{problem_id}/{language}", response_model=DraftOut)
async def reset_draft(
    problem_id: ProblemId, language: Language, user: CurrentUser, session: SessionDep
) -> DraftOut:
    """Forget my code (back to the starter); the answer carries the new version."""
    return await service.reset(session, user, problem_id, language)
