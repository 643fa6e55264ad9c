"""Draft rules: a learner's own code per problem and language, for problems they may open.

Only the caller's drafts are ever read or written: no route takes a user id. A problem the
caller may not open answers as every problem route does (`learning.access.problem_for`: 404
for a missing or unpublished one, 403 `LEVEL_LOCKED` for a locked level). A save names the
version it builds on; when another tab or device saved since, it is refused with 412
`DRAFT_CHANGED` and the current draft, so the learner chooses which code to keep.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.db.base import utcnow
from coderunner.drafts import repository
from coderunner.drafts.models import Draft
from coderunner.drafts.schemas import DraftOut, DraftSave, DraftsOut
from coderunner.kernel.errors import PayloadTooLarge, PreconditionFailed, Unprocessable
from coderunner.learning import access
from coderunner.problems.models import Problem

CHANGED_MESSAGE = "Your code was changed in another window. Choose which code to keep."
TOO_LONG_MESSAGE = "This code is too long to save. Make it shorter."


class DraftChanged(PreconditionFailed):
    code = "DRAFT_CHANGED"


def _out(draft: Draft) -> DraftOut:
    return DraftOut.model_validate(draft)


def _none(language: str) -> DraftOut:
    return DraftOut(language=language, code=None, version=0, updated_at=None)


def _changed(current: DraftOut) -> DraftChanged:
    body: dict[str, Any] = current.model_dump(mode="json", by_alias=True)
    return DraftChanged(CHANGED_MESSAGE, extra={"current": body})


async def _problem(session: AsyncSession, user: User, problem_id: str, language: str) -> Problem:
    problem = await access.problem_for(session, user, problem_id)
    if language not in problem.languages:
        raise Unprocessable(
            f"this puzzle is written in {', '.join(problem.languages)}",
            code="UNKNOWN_LANGUAGE",
        )
    return problem


def _check_size(code: str, max_bytes: int) -> None:
    try:
        size = len(code.encode())
    except UnicodeEncodeError:  # lone surrogates from JSON escapes
        raise Unprocessable("code is not valid text (stray surrogate characters)") from None
    if size > max_bytes:
        raise PayloadTooLarge(TOO_LONG_MESSAGE)


async def mine(session: AsyncSession, user: User, problem_id: str) -> DraftsOut:
    """The caller's drafts of a problem, one per language they wrote it in."""
    problem = await access.problem_for(session, user, problem_id)
    rows = await repository.for_problem(session, user.id, problem.id)
    return DraftsOut(problem_id=problem.id, items=[_out(r) for r in rows])


async def save(
    session: AsyncSession,
    user: User,
    problem_id: str,
    language: str,
    data: DraftSave,
    max_bytes: int,
) -> DraftOut:
    """Store the code as the next version, if `data.base_version` is still the current one."""
    problem = await _problem(session, user, problem_id, language)
    _check_size(data.code, max_bytes)
    current = await repository.get_for_update(session, user.id, problem.id, language)
    if current is None:
        if data.base_version != 0:
            raise _changed(_none(language))
        draft = Draft(
            user_id=user.id,
            problem_id=problem.id,
            language=language,
            code=data.code,
            version=1,
            updated_at=utcnow(),
        )
        if not await repository.insert(session, draft):  # a concurrent first save won
            won = await repository.get_for_update(session, user.id, problem.id, language)
            raise _changed(_out(won) if won is not None else _none(language))
        return _out(draft)
    if current.version != data.base_version:
        raise _changed(_out(current))
    current.code = data.code
    current.version += 1
    current.updated_at = utcnow()
    await session.flush()
    return _out(current)


async def reset(session: AsyncSession, user: User, problem_id: str, language: str) -> DraftOut:
    """Forget the code (the learner went back to the starter); the version still goes up, so a
    window that still shows the old code cannot silently bring it back."""
    problem = await _problem(session, user, problem_id, language)
    current = await repository.get_for_update(session, user.id, problem.id, language)
    if current is None:
        return _none(language)
    current.code = None
    current.version += 1
    current.updated_at = utcnow()
    await session.flush()
    return _out(current)
