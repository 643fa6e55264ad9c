"""Celebration rules: what a finished job made happen, recorded once, shown once.

A job's result is written in one transaction (`execution.worker`); around the progress change
in it, `before_job` notes what the learner had (badges earned, levels open, the problem solved)
and `after_job` records what is new since as events, in the same transaction:

- `solved`: the first solve of a problem (a submission);
- `badge`: each badge earned by this job, one event per badge (several at once are several);
- `level_open`: each level of the problem's age group that this solve opened;
- `streak`: the day the streak reaches one of `STREAK_MILESTONES` days.

An event is unique per learner, kind and key, so nothing is told twice (a badge lost and earned
again, a re-solve). "New" is what changed in that transaction, never a recomputation from
totals later: a learner who earned badges before celebrations existed is not told of them now.
Learners only: a teacher's or admin's jobs celebrate nothing. The page lists the unseen events
and marks them seen once it has shown them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth import repository as auth_repository
from coderunner.auth.models import Role, User
from coderunner.celebrations import repository
from coderunner.celebrations.models import Celebration, CelebrationKind
from coderunner.celebrations.schemas import CelebrationOut, CelebrationsOut, SeenOut
from coderunner.db.base import utcnow
from coderunner.learning import service as learning
from coderunner.problems.models import Problem
from coderunner.progress import community

STREAK_MILESTONES = (3, 7, 14, 30, 50, 100, 200, 365)
MAX_UNSEEN = 50
TITLE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Before:
    """What the learner had before a job's result was written."""

    user: User
    problem: Problem | None  # a submission's problem
    effort: learning.EffortFacts
    badges: frozenset[str]
    open_levels: frozenset[int] = frozenset()
    solved: bool = False


def _earned_effort(facts: learning.EffortFacts) -> dict[str, str]:
    return {b.id: b.name for b in learning.effort_badges_of(facts).badges if b.earned}


async def _earned_solving(session: AsyncSession, user_id: str) -> dict[str, str]:
    return {b.id: b.name for b in (await community.badges(session, user_id)).badges if b.earned}


async def _open_levels(session: AsyncSession, user: User, age_group: str) -> dict[int, str]:
    states = await learning.levels_for(session, user, age_group)
    return {level.number: level.title for level in states.levels if not level.locked}


async def before_job(session: AsyncSession, user_id: str, problem_id: str | None) -> Before | None:
    """Note what a learner has before their job's result lands (None: nothing to celebrate for
    this user: no such user, or a teacher or admin trying code, who has every level open).

    A run can earn only effort badges (first run, first fix, a week's streak); the solve badges
    and levels need a submission (`problem_id`)."""
    user = await auth_repository.get_user(session, user_id)
    if user is None or user.role != Role.LEARNER:
        return None
    problem = await repository.problem(session, problem_id) if problem_id is not None else None
    # a run solves nothing, so its hint-free solves are the same after: not read for it
    effort = await learning.effort_facts(session, user_id, count_hint_free=problem is not None)
    badges = set(_earned_effort(effort))
    if problem is None:
        return Before(user=user, problem=None, effort=effort, badges=frozenset(badges))
    badges |= set(await _earned_solving(session, user_id))
    solved = await repository.solved(session, user_id, problem.id)
    # levels open on a first solve only (after_job): a solved problem's job opens none
    levels = {} if solved else await _open_levels(session, user, problem.age_group)
    return Before(
        user=user,
        problem=problem,
        effort=effort,
        badges=frozenset(badges),
        open_levels=frozenset(levels),
        solved=solved,
    )


async def _effort_after(
    session: AsyncSession, before: Before, verdict: str | None, newly_solved: bool
) -> learning.EffortFacts:
    """The effort facts once the job's verdict is written, without reading the jobs again:
    they are those before plus this job's (the newest); a first solve may also have added a
    hint-free solve (a run, or a submission that solved nothing new, adds none)."""
    if not newly_solved:
        return before.effort.after(verdict)
    return before.effort.after(
        verdict, hint_free=await learning.hint_free_solves(session, before.user.id)
    )


def _event(
    user_id: str, kind: CelebrationKind, key: str, title: str = "", **rest: object
) -> Celebration:
    return Celebration(
        user_id=user_id, kind=kind.value, key=key, title=title[:TITLE_LENGTH], **rest
    )


async def after_job(
    session: AsyncSession, before: Before, verdict: str | None
) -> list[Celebration]:
    """Record what is new since `before` once the job's result (`verdict`) and progress are
    written, in the same transaction (it only flushes). Returns the events added."""
    user_id = before.user.id
    problem = before.problem
    events: list[Celebration] = []
    newly_solved = (
        problem is not None
        and not before.solved
        and await repository.solved(session, user_id, problem.id)
    )
    if newly_solved and problem is not None:
        xp = await repository.xp_of(session, user_id, problem.id)
        events.append(_event(user_id, CelebrationKind.SOLVED, problem.id, problem.title, number=xp))
    earned = _earned_effort(await _effort_after(session, before, verdict, newly_solved))
    if problem is not None:  # (never-give-up counts the tries of a solved problem: every time)
        earned |= await _earned_solving(session, user_id)
    for badge_id, name in earned.items():
        if badge_id not in before.badges:
            events.append(_event(user_id, CelebrationKind.BADGE, badge_id, name))
    # levels open on solves: a job that solved nothing new opened none
    if newly_solved and problem is not None:
        group = problem.age_group
        for number, title in sorted((await _open_levels(session, before.user, group)).items()):
            if number not in before.open_levels:
                key = f"{group}:{number}"
                events.append(
                    _event(
                        user_id,
                        CelebrationKind.LEVEL_OPEN,
                        key,
                        title,
                        number=number,
                        age_group=group,
                    )
                )
    streak = before.effort.streak
    if streak.active_today and streak.current in STREAK_MILESTONES:
        key = f"{streak.current}:{utcnow().date().isoformat()}"
        events.append(_event(user_id, CelebrationKind.STREAK, key, number=streak.current))
    return [event for event in events if await repository.add_once(session, event)]


def _out(events: Sequence[Celebration]) -> CelebrationsOut:
    return CelebrationsOut(events=[CelebrationOut.model_validate(e) for e in events])


async def unseen(session: AsyncSession, user_id: str) -> CelebrationsOut:
    """The learner's events not shown yet, oldest first."""
    return _out(await repository.unseen(session, user_id, MAX_UNSEEN))


async def mark_seen(session: AsyncSession, user_id: str, ids: Sequence[int]) -> SeenOut:
    """Mark shown events seen: only the learner's own, each once (again is a no-op)."""
    return SeenOut(marked=await repository.mark_seen(session, user_id, set(ids), utcnow()))
