"""/classes routes: thin; the rules are in `service` (classes) and `dashboard` (progress)."""

from __future__ import annotations

import math
import time

import structlog
from fastapi import APIRouter, Request, Response
from limits import RateLimitItemPerSecond

from coderunner.api.deps import CurrentUser, SessionDep, StaffUser
from coderunner.api.errors import AppError
from coderunner.api.ratelimit import RateLimiter
from coderunner.api.schemas import ERROR_RESPONSES
from coderunner.classes import service
from coderunner.classes.schemas import (
    ClassDetailOut,
    ClassesOut,
    ClassIn,
    ClassOut,
    ClassUpdate,
    CreatedAccountsOut,
    JoinIn,
    NamesIn,
    PasswordOut,
    TeacherIn,
)

log = structlog.get_logger("coderunner.classes")
router = APIRouter(prefix="/classes", tags=["classes"], responses=ERROR_RESPONSES)

# wrong join codes a user may type in 10 minutes (codes are 8 of 29 characters)
JOIN_FAILURES = RateLimitItemPerSecond(10, 600)


@router.post("", status_code=201, response_model=ClassOut)
async def create_class(body: ClassIn, staff: StaffUser, session: SessionDep) -> ClassOut:
    """A new class taught by the caller, with its join code."""
    return await service.create(session, staff, body)


@router.get("", response_model=ClassesOut)
async def my_classes(user: CurrentUser, session: SessionDep) -> ClassesOut:
    """Classes I teach (teachers, admins) or joined (learners)."""
    return await service.mine(session, user)


async def _join_guard(request: Request, user_id: str) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    try:
        allowed = await limiter.strategy.test(JOIN_FAILURES, "class-join", user_id)
        if not allowed:
            stats = await limiter.strategy.get_window_stats(JOIN_FAILURES, "class-join", user_id)
            retry = max(1, math.ceil(stats.reset_time - time.time()))
            raise AppError(
                "Too many wrong codes. Ask your teacher for the code, then try again later.",
                code="RATE_LIMITED",
                status_code=429,
                headers={"Retry-After": str(retry)},
            )
    except AppError:
        raise
    except Exception:  # storage down: fail open, loudly (like the other limits)
        log.exception("ratelimit_storage_error")
    return limiter


@router.post("/join", response_model=ClassOut)
async def join_class(
    body: JoinIn, request: Request, user: CurrentUser, session: SessionDep
) -> ClassOut:
    """Join a class with the code the teacher gave (case, spaces and dashes don't matter)."""
    limiter = await _join_guard(request, user.id)
    try:
        return await service.join(session, user, body.join_code)
    except AppError as exc:
        if exc.code == "NO_SUCH_CODE":
            await limiter.hit(JOIN_FAILURES, "class-join", user.id)
        raise


@router.get("/{class_id}", response_model=ClassDetailOut | ClassOut)
async def get_class(
    class_id: str, user: CurrentUser, session: SessionDep
) -> ClassOut | ClassDetailOut:
    """Teachers of the class and admins: everything; its learners: name and age group."""
    return await service.detail(session, user, class_id)


@router.patch("/{class_id}", response_model=ClassOut)
async def update_class(
    class_id: str, body: ClassUpdate, staff: StaffUser, session: SessionDep
) -> ClassOut:
    return await service.update(session, staff, class_id, body)


@router.post("/{class_id}/join-code", response_model=ClassOut)
async def new_join_code(class_id: str, staff: StaffUser, session: SessionDep) -> ClassOut:
    """Replace the join code (the old one stops working)."""
    return await service.new_join_code(session, staff, class_id)


@router.post("/{class_id}/teachers", response_model=ClassDetailOut)
async def add_teacher(
    class_id: str, body: TeacherIn, staff: StaffUser, session: SessionDep
) -> ClassDetailOut:
    """Add a co-teacher by username (their account must be a teacher's)."""
    return await service.add_teacher(session, staff, class_id, body.username)


@router.delete("/{class_id}/teachers/{teacher_id}", status_code=204)
async def remove_teacher(
    class_id: str, teacher_id: str, staff: StaffUser, session: SessionDep
) -> Response:
    await service.remove_teacher(session, staff, class_id, teacher_id)
    return Response(status_code=204)


@router.delete("/{class_id}/membership", status_code=204)
async def leave_class(class_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """Leave a class (your progress stays yours)."""
    await service.leave(session, user, class_id)
    return Response(status_code=204)


@router.post("/{class_id}/learners", status_code=201, response_model=CreatedAccountsOut)
async def create_learners(
    class_id: str, body: NamesIn, staff: StaffUser, session: SessionDep
) -> CreatedAccountsOut:
    """Accounts from first names (not stored): usernames and passwords, shown this once."""
    return await service.create_accounts(session, staff, class_id, body.names)


@router.delete("/{class_id}/learners/{learner_id}", status_code=204)
async def remove_learner(
    class_id: str, learner_id: str, staff: StaffUser, session: SessionDep
) -> Response:
    """Take a learner out of the class (their progress stays theirs)."""
    await service.remove_learner(session, staff, class_id, learner_id)
    return Response(status_code=204)


@router.post("/{class_id}/learners/{learner_id}/password", response_model=PasswordOut)
async def reset_password(
    class_id: str, learner_id: str, staff: StaffUser, session: SessionDep
) -> PasswordOut:
    """A new password for an account this class made; shown this once."""
    return await service.reset_password(session, staff, class_id, learner_id)
