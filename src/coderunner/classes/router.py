"""/classes routes: thin; the rules are in `service` (classes) and `dashboard` (progress)."""

from __future__ import annotations

import math
import time
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Query, Request, Response
from limits import RateLimitItemPerSecond
from sse_starlette import EventSourceResponse

from coderunner.auth.deps import CurrentUser, PasswordsDep, StaffUser
from coderunner.classes import challenges, dashboard, exports, live, service
from coderunner.classes.schemas import (
    CellDetailOut,
    ChallengeIn,
    ChallengeOut,
    ChallengeResultsOut,
    ChallengesOut,
    ClassDetailOut,
    ClassesOut,
    ClassIn,
    ClassLeaderboardOut,
    ClassOut,
    ClassUnlockIn,
    ClassUpdate,
    CreatedAccountsOut,
    GridOut,
    JoinIn,
    NamesIn,
    PasswordOut,
    TeacherIn,
)
from coderunner.kernel.errors import AppError
from coderunner.kernel.ratelimit import RateLimiter
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep, end_read

log = structlog.get_logger("coderunner.classes")
router = APIRouter(prefix="/classes", tags=["classes"], responses=ERROR_RESPONSES)
challenges_router = APIRouter(prefix="/challenges", tags=["classes"], responses=ERROR_RESPONSES)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}
}


def _csv(body: str, filename: str) -> Response:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# wrong join codes a user may type in 10 minutes (codes are 8 of 29 characters)
JOIN_FAILURES = RateLimitItemPerSecond(10, 600)


@router.post("", status_code=201, response_model=ClassOut)
async def create_class(body: ClassIn, staff: StaffUser, session: SessionDep) -> ClassOut:
    """A new class taught by the caller, with its join code."""
    return await service.create(session, staff, body)


@router.get("", response_model=ClassesOut)
async def my_classes(
    user: CurrentUser, session: SessionDep, every: Annotated[bool, Query(alias="all")] = False
) -> ClassesOut:
    """Classes I teach (teachers, admins) or joined (learners); `?all=true`: every class on the
    server (admins only)."""
    return await service.mine(session, user, every=every)


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
    class_id: str, body: NamesIn, staff: StaffUser, session: SessionDep, passwords: PasswordsDep
) -> CreatedAccountsOut:
    """Accounts from first names (not stored): usernames and passwords, shown this once."""
    await end_read(session)  # who is asking is known: hash with no lock or connection held
    return await service.create_accounts(session, staff, class_id, body.names, passwords)


@router.delete("/{class_id}/learners/{learner_id}", status_code=204)
async def remove_learner(
    class_id: str, learner_id: str, staff: StaffUser, session: SessionDep
) -> Response:
    """Take a learner out of the class (their progress stays theirs)."""
    await service.remove_learner(session, staff, class_id, learner_id)
    return Response(status_code=204)


@router.post("/{class_id}/learners/{learner_id}/password", response_model=PasswordOut)
async def reset_password(
    class_id: str, learner_id: str, staff: StaffUser, session: SessionDep, passwords: PasswordsDep
) -> PasswordOut:
    """A new password for an account this class made; shown this once."""
    await end_read(session)  # who is asking is known: hash with no lock or connection held
    return await service.reset_password(session, staff, class_id, learner_id, passwords)


@router.get("/{class_id}/progress", response_model=GridOut)
async def class_progress(class_id: str, staff: StaffUser, session: SessionDep) -> GridOut:
    """The dashboard grid: learners x the age group's problems, who needs help, open levels."""
    return await dashboard.grid(session, staff, class_id)


@router.get("/{class_id}/learners/{learner_id}/problems/{problem_id}", response_model=CellDetailOut)
async def class_cell(
    class_id: str, learner_id: str, problem_id: str, staff: StaffUser, session: SessionDep
) -> CellDetailOut:
    """One learner's progress on one problem, with their latest code and its results."""
    return await dashboard.cell(session, staff, class_id, learner_id, problem_id)


@router.post("/{class_id}/unlocks", response_model=GridOut)
async def class_unlock(
    class_id: str, body: ClassUnlockIn, staff: StaffUser, session: SessionDep
) -> GridOut:
    """Open a level for one learner (`learnerId`) or the whole class."""
    return await dashboard.set_unlock(
        session, staff, class_id, body.level_number, body.learner_id, open_=True
    )


@router.delete("/{class_id}/unlocks/{level_number}", response_model=GridOut)
async def class_relock(
    class_id: str,
    level_number: int,
    staff: StaffUser,
    session: SessionDep,
    learner_id: Annotated[str | None, Query(alias="learnerId", max_length=36)] = None,
) -> GridOut:
    """Take back the teacher's opening of a level (one learner or the class). A level the
    learner opened by solving the one before stays open."""
    return await dashboard.set_unlock(
        session, staff, class_id, level_number, learner_id, open_=False
    )


@router.get(
    "/{class_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "`progress` events, each the whole grid (as GET /classes/{id}/progress)"
            ", at once and every 20 s when it changed; between them `learner` events "
            "`{classId, learner}` with one learner's row when their job finished",
        }
    },
)
async def class_events(
    class_id: str, request: Request, staff: StaffUser, session: SessionDep
) -> EventSourceResponse:
    """The dashboard grid, live: the whole grid now, then the rows that change."""
    await service.teaches(session, staff, class_id)
    return EventSourceResponse(live.grid_stream(request, staff.id, class_id), ping=15)


@router.get("/{class_id}/progress.csv", response_class=Response, responses=CSV_RESPONSE)
async def class_progress_csv(class_id: str, staff: StaffUser, session: SessionDep) -> Response:
    """The grid as CSV (cells starting with = + - @ are prefixed with an apostrophe)."""
    grid = await dashboard.grid(session, staff, class_id)
    return _csv(exports.progress_csv(grid), "class-progress.csv")


@router.post("/{class_id}/challenges", status_code=201, response_model=ChallengeOut)
async def create_challenge(
    class_id: str, body: ChallengeIn, staff: StaffUser, session: SessionDep
) -> ChallengeOut:
    """Problems for the class between two times; their levels open for the class's learners."""
    return await challenges.create(session, staff, class_id, body)


@router.get("/{class_id}/challenges", response_model=ChallengesOut)
async def class_challenges(class_id: str, user: CurrentUser, session: SessionDep) -> ChallengesOut:
    """The class's challenges (learners: problems once open, and which they solved)."""
    return await challenges.list_for_class(session, user, class_id)


@router.get("/{class_id}/challenges/{challenge_id}/results", response_model=ChallengeResultsOut)
async def challenge_results(
    class_id: str, challenge_id: str, user: CurrentUser, session: SessionDep
) -> ChallengeResultsOut:
    """The class-only ranking: problems solved, then minutes (contest mode)."""
    return await challenges.results(session, user, class_id, challenge_id)


@router.get(
    "/{class_id}/challenges/{challenge_id}/results.csv",
    response_class=Response,
    responses=CSV_RESPONSE,
)
async def challenge_results_csv(
    class_id: str, challenge_id: str, staff: StaffUser, session: SessionDep
) -> Response:
    results = await challenges.results(session, staff, class_id, challenge_id)
    return _csv(exports.results_csv(results), "challenge-results.csv")


@challenges_router.get("/open", response_model=ChallengesOut)
async def my_open_challenges(user: CurrentUser, session: SessionDep) -> ChallengesOut:
    """Open challenges of my classes (the learner's "From your teacher")."""
    return await challenges.open_for_learner(session, user)


@router.get("/{class_id}/leaderboard", response_model=ClassLeaderboardOut)
async def class_leaderboard(
    class_id: str, user: CurrentUser, session: SessionDep
) -> ClassLeaderboardOut:
    """This week's XP in the class: the board a child sees; only learners who opted in."""
    return await service.leaderboard(session, user, class_id)
