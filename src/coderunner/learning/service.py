"""Learning rules: streaks, level states, effort badges, teacher unlocks, hint use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth import repository as auth_repository
from coderunner.auth.models import User
from coderunner.auth.teaching import may_act_on_learner
from coderunner.kernel.errors import NotFound
from coderunner.kernel.verdicts import Verdict
from coderunner.learning import access, repository
from coderunner.learning.schemas import (
    EffortBadgeOut,
    EffortBadgesOut,
    HintOut,
    LevelStateOut,
    LevelStatesOut,
    StreakOut,
)
from coderunner.learning.streaks import compute_streak
from coderunner.progress import service as progress_service

STREAK_HISTORY_DAYS = 400
FAILED_VERDICTS = frozenset(
    {
        Verdict.RUNTIME_ERROR,
        Verdict.TIME_LIMIT_EXCEEDED,
        Verdict.MEMORY_LIMIT_EXCEEDED,
        Verdict.OUTPUT_LIMIT_EXCEEDED,
        Verdict.COMPILATION_ERROR,
        Verdict.WRONG_ANSWER,
    }
)
GOOD_VERDICTS = frozenset(verdict for verdict in Verdict if verdict.good)
HINT_FREE_SOLVES = 5


def _today() -> datetime:
    return datetime.now(UTC)


async def streak(session: AsyncSession, user_id: str) -> StreakOut:
    now = _today()
    days = await repository.activity_days(
        session, user_id, now - timedelta(days=STREAK_HISTORY_DAYS)
    )
    computed = compute_streak(days, now.date())
    return StreakOut(
        current=computed.current,
        longest=computed.longest,
        freezes=computed.freezes,
        active_today=computed.active_today,
        frozen_days=computed.frozen_days,
    )


async def levels_for(session: AsyncSession, user: User, age_group: str) -> LevelStatesOut:
    levels = await repository.levels_of(session, age_group)
    states = await access.states_for(session, user, age_group)
    titles = {level.number: level.title for level in levels}
    return LevelStatesOut(
        age_group=age_group,
        levels=[
            LevelStateOut(
                age_group=age_group,
                number=n,
                title=titles.get(n, f"Level {n}"),
                total=s.total,
                solved=s.solved,
                locked=s.locked,
                completed=s.completed,
                unlocked_by_teacher=s.unlocked_by_teacher,
            )
            for n, s in sorted(states.items())
        ],
    )


@dataclass(frozen=True, slots=True)
class EffortFacts:
    """What the effort badges are decided from."""

    ran: bool  # a finished job (completed, with a verdict)
    failed: bool  # one that went wrong (FAILED_VERDICTS)
    fixed: bool  # a good one (GOOD_VERDICTS) after one that went wrong
    streak: StreakOut
    hint_free: int  # puzzles solved without opening a hint, counted up to HINT_FREE_SOLVES

    def after(self, verdict: str | None, hint_free: int | None = None) -> EffortFacts:
        """The facts once one more job, the newest, finished with `verdict` (None: it has
        none), and with `hint_free` if given (else as before). The streak is as before: a day
        counts from when the code was sent, and the job's row was there already."""
        return EffortFacts(
            ran=self.ran or verdict is not None,
            failed=self.failed or verdict in FAILED_VERDICTS,
            fixed=self.fixed or (self.failed and verdict in GOOD_VERDICTS),
            streak=self.streak,
            hint_free=self.hint_free if hint_free is None else hint_free,
        )


async def hint_free_solves(session: AsyncSession, user_id: str) -> int:
    """Puzzles solved without a hint, counted up to the badge's HINT_FREE_SOLVES."""
    return await repository.solved_without_hints(session, user_id, HINT_FREE_SOLVES)


async def effort_facts(
    session: AsyncSession, user_id: str, *, count_hint_free: bool = True
) -> EffortFacts:
    """The facts, each answered by the database without reading the learner's history into
    Python. Without `count_hint_free` the hint-free solves are not read and taken as 0 (for a
    caller that compares facts before and after a job that cannot change them: a run)."""
    jobs = await repository.finished_jobs(session, user_id, FAILED_VERDICTS, GOOD_VERDICTS)
    return EffortFacts(
        ran=jobs.ran,
        failed=jobs.failed,
        fixed=jobs.fixed,
        streak=await streak(session, user_id),
        hint_free=await hint_free_solves(session, user_id) if count_hint_free else 0,
    )


def effort_badges_of(facts: EffortFacts) -> EffortBadgesOut:
    spec = [
        ("first-run", "First run", "Run your first program.", facts.ran),
        (
            "first-fix",
            "Bug squasher",
            "Fix an error: a program that went wrong, then one that worked.",
            facts.fixed,
        ),
        (
            "solo-explorer",
            "Solo explorer",
            f"Solve {HINT_FREE_SOLVES} puzzles without a hint.",
            facts.hint_free >= HINT_FREE_SOLVES,
        ),
        ("week-streak", "Week of code", "Code on 7 days in a row.", facts.streak.longest >= 7),
    ]
    return EffortBadgesOut(
        badges=[EffortBadgeOut(id=i, name=n, description=d, earned=e) for i, n, d, e in spec]
    )


async def effort_badges(session: AsyncSession, user_id: str) -> EffortBadgesOut:
    return effort_badges_of(await effort_facts(session, user_id))


async def _learner_of(session: AsyncSession, staff: User, user_id: str) -> User:
    """The learner, if `staff` may act on them: admins on anyone, teachers on their classes'."""
    learner = await auth_repository.get_user(session, user_id)
    if learner is None or not await may_act_on_learner(session, staff, user_id):
        raise NotFound("no such user")
    return learner


async def unlock(
    session: AsyncSession, staff: User, user_id: str, age_group: str, level_number: int
) -> LevelStatesOut:
    learner = await _learner_of(session, staff, user_id)
    if not await repository.level_exists(session, age_group, level_number):
        raise NotFound("no such level")
    await repository.add_unlock(session, user_id, age_group, level_number, staff.id)
    return await levels_for(session, learner, age_group)


async def relock(
    session: AsyncSession, staff: User, user_id: str, age_group: str, level_number: int
) -> LevelStatesOut:
    learner = await _learner_of(session, staff, user_id)
    await repository.remove_unlock(session, user_id, age_group, level_number)
    return await levels_for(session, learner, age_group)


async def record_hint(session: AsyncSession, user: User, problem_id: str, index: int) -> HintOut:
    """Count an opened hint; the problem must be one the learner may work on (else 404 / 403)."""
    await access.problem_for(session, user, problem_id)
    progress = await progress_service.record_hint(session, user.id, problem_id, index)
    return HintOut(problem_id=problem_id, hints_used=progress.hints_used)
