"""Progress rules: attempts, best pass rate, first solve and XP (awarded once)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.db.base import utcnow
from coderunner.kernel.errors import NotFound
from coderunner.progress import repository
from coderunner.progress.models import Progress, ProgressStatus
from coderunner.progress.schemas import LevelSummaryOut, ProblemProgressOut, ProgressOut


async def _get_or_create(session: AsyncSession, user_id: str, problem_id: str) -> Progress:
    progress = await repository.get(session, user_id, problem_id, for_update=True)
    if progress is not None:
        return progress
    progress = Progress(
        user_id=user_id,
        problem_id=problem_id,
        status=ProgressStatus.NOT_STARTED,
        attempts=0,
        best_pass_rate=0.0,
        hints_used=0,
        time_spent_s=0,
        xp_awarded=0,
    )
    try:
        async with session.begin_nested():
            session.add(progress)
            await session.flush()
    except IntegrityError:  # a concurrent first submission created it
        found = await repository.get(session, user_id, problem_id, for_update=True)
        if found is None:
            raise
        return found
    return progress


async def record_submission(
    session: AsyncSession,
    user_id: str,
    problem_id: str,
    pass_rate: float,
    solved: bool,
    submitted_at: datetime | None = None,
) -> Progress:
    """Count one graded submission; call inside the caller's transaction (it only flushes).

    `pass_rate` is 0.0-1.0. The first solve sets `first_solved_at` and awards the problem's XP;
    later solves award nothing more. A solved problem never goes back to attempted.

    `submitted_at` (when the learner sent the code) dates the record instead of the clock at
    grading's end, which comes later by the time the hidden tests ran: a learner reads these
    times, and a program can sleep as long as a hidden input says.
    """
    at = submitted_at or utcnow()
    problem = await repository.problem(session, problem_id)
    if problem is None:
        raise NotFound("no such problem")
    progress = await _get_or_create(session, user_id, problem_id)
    progress.attempts += 1
    progress.best_pass_rate = max(progress.best_pass_rate, min(1.0, max(0.0, pass_rate)))
    if solved:
        if progress.status != ProgressStatus.SOLVED:
            progress.status = ProgressStatus.SOLVED
            progress.first_solved_at = at
            progress.xp_awarded = problem.xp
    elif progress.status == ProgressStatus.NOT_STARTED:
        progress.status = ProgressStatus.ATTEMPTED
    progress.updated_at = at
    await session.flush()
    return progress


async def record_hint(
    session: AsyncSession, user_id: str, problem_id: str, hint_index: int
) -> Progress:
    """The learner revealed hint `hint_index` (0-based): hints_used is how many they have seen."""
    problem = await repository.problem(session, problem_id)
    if problem is None:
        raise NotFound("no such problem")
    progress = await _get_or_create(session, user_id, problem_id)
    progress.hints_used = max(progress.hints_used, min(hint_index + 1, len(problem.hints or [])))
    progress.updated_at = utcnow()
    await session.flush()
    return progress


async def add_time(session: AsyncSession, user_id: str, problem_id: str, seconds: int) -> None:
    """Add active seconds (from a learning session) to the learner's progress on a problem."""
    if seconds <= 0 or await repository.problem(session, problem_id) is None:
        return
    progress = await _get_or_create(session, user_id, problem_id)
    progress.time_spent_s += seconds
    progress.updated_at = utcnow()
    await session.flush()


async def get_progress(session: AsyncSession, user_id: str) -> ProgressOut:
    rows = await repository.for_user(session, user_id)
    totals = await repository.published_counts_by_level(session)
    solved: dict[tuple[str, int], int] = defaultdict(int)
    attempted: dict[tuple[str, int], int] = defaultdict(int)
    xp: dict[tuple[str, int], int] = defaultdict(int)
    for progress, problem in rows:
        key = (problem.age_group, problem.level_number)
        if progress.status == ProgressStatus.SOLVED:
            solved[key] += 1
        elif progress.status == ProgressStatus.ATTEMPTED:
            attempted[key] += 1
        xp[key] += progress.xp_awarded
    keys = sorted(set(totals) | set(solved) | set(attempted))
    return ProgressOut(
        total_xp=sum(xp.values()),
        solved_count=sum(solved.values()),
        problems=[ProblemProgressOut.model_validate(p) for p, _ in rows],
        levels=[
            LevelSummaryOut(
                age_group=a,
                level_number=n,
                total_problems=totals.get((a, n), 0),
                solved=solved[(a, n)],
                attempted=attempted[(a, n)],
                xp=xp[(a, n)],
            )
            for a, n in keys
            if solved[(a, n)] or attempted[(a, n)]
        ],
    )
