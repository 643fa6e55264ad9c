"""Challenges: a teacher's set of problems for a class, open between two times.

A plain challenge counts a problem as done when the learner has solved it (at any time). In
contest mode only solves inside the window count (the first accepted submission between
opening and closing), ranked by problems solved, then by total minutes from opening to each
solve. The ranking is the class's only; a classmate who has not opted in to leaderboards is
shown to other learners as "A classmate".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.classes import repository, service
from coderunner.classes.models import Challenge, ChallengeProblem, Classroom
from coderunner.classes.schemas import (
    ChallengeIn,
    ChallengeOut,
    ChallengeProblemOut,
    ChallengeResultsOut,
    ChallengesOut,
    ResultRow,
)
from coderunner.db.base import utcnow
from coderunner.execution.models import ExecutionJob, JobType
from coderunner.kernel.errors import AppError, NotFound
from coderunner.kernel.verdicts import Verdict
from coderunner.learning import repository as learning_repository
from coderunner.problems.models import Problem
from coderunner.progress.models import Progress, ProgressStatus

HIDDEN_NAME = "A classmate"


def _state(challenge: Challenge, now: datetime) -> str:
    if now < challenge.opens_at:
        return "upcoming"
    return "open" if now < challenge.closes_at else "closed"


async def _problems(session: AsyncSession, challenge_id: str) -> list[Problem]:
    rows = await session.scalars(
        select(Problem)
        .join(ChallengeProblem, ChallengeProblem.problem_id == Problem.id)
        .where(ChallengeProblem.challenge_id == challenge_id)
        .order_by(ChallengeProblem.position)
    )
    return list(rows.all())


def _out(
    challenge: Challenge,
    classroom: Classroom,
    problems: list[Problem],
    *,
    teacher: bool,
    solved: list[str] | None = None,
) -> ChallengeOut:
    state = _state(challenge, utcnow())
    shown = problems if teacher or state != "upcoming" else []
    return ChallengeOut(
        id=challenge.id,
        class_id=classroom.id,
        class_name=classroom.name,
        title=challenge.title,
        opens_at=challenge.opens_at,
        closes_at=challenge.closes_at,
        contest=challenge.contest,
        state=state,
        problems=[
            ChallengeProblemOut(
                id=p.id, title=p.title, age_group=p.age_group, level_number=p.level_number
            )
            for p in shown
        ],
        solved=solved or [],
    )


async def create(
    session: AsyncSession, user: User, class_id: str, data: ChallengeIn
) -> ChallengeOut:
    classroom = await service.teaches(session, user, class_id)
    if data.opens_at.tzinfo is None or data.closes_at.tzinfo is None:
        raise AppError(
            "give times with a time zone (e.g. 2026-12-04T09:00:00Z)",
            code="NAIVE_TIME",
            status_code=422,
        )
    if data.closes_at <= data.opens_at:
        raise AppError(
            "the challenge must close after it opens", code="BAD_WINDOW", status_code=422
        )
    ids = list(dict.fromkeys(data.problem_ids))
    found = {
        p.id: p
        for p in await session.scalars(
            select(Problem).where(Problem.id.in_(ids), Problem.is_published.is_(True))
        )
    }
    missing = [pid for pid in ids if pid not in found]
    if missing:
        raise AppError(
            f"no such published problem: {', '.join(missing)}",
            code="NO_SUCH_PROBLEM",
            status_code=422,
        )
    challenge = Challenge(
        class_id=class_id,
        title=data.title,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        contest=data.contest,
        created_by=user.id,
    )
    session.add(challenge)
    await session.flush()
    for position, pid in enumerate(ids):
        session.add(ChallengeProblem(challenge_id=challenge.id, problem_id=pid, position=position))
    # the challenge's problems must open for the class: open their levels for every learner
    members = [u.id for u, _ in await repository.learners(session, class_id)]
    for level in sorted({(found[pid].age_group, found[pid].level_number) for pid in ids}):
        for member_id in members:
            await learning_repository.add_unlock(session, member_id, level[0], level[1], user.id)
    await session.flush()
    return _out(challenge, classroom, [found[pid] for pid in ids], teacher=True)


async def _solved_by(
    session: AsyncSession, challenge: Challenge, user_ids: list[str], problem_ids: list[str]
) -> dict[str, dict[str, datetime]]:
    """user -> problem -> when it counts as solved for this challenge."""
    solved: dict[str, dict[str, datetime]] = defaultdict(dict)
    if not user_ids or not problem_ids:
        return solved
    if challenge.contest:
        rows = await session.execute(
            select(ExecutionJob.user_id, ExecutionJob.problem_id, func.min(ExecutionJob.created_at))
            .where(
                ExecutionJob.user_id.in_(user_ids),
                ExecutionJob.problem_id.in_(problem_ids),
                ExecutionJob.type == JobType.SUBMIT.value,
                ExecutionJob.verdict == Verdict.ACCEPTED,
                ExecutionJob.created_at >= challenge.opens_at,
                ExecutionJob.created_at < challenge.closes_at,
            )
            .group_by(ExecutionJob.user_id, ExecutionJob.problem_id)
        )
        for uid, pid, at in rows.all():
            if pid is not None and at is not None:
                solved[uid][pid] = at
        return solved
    progress = await session.scalars(
        select(Progress).where(
            Progress.user_id.in_(user_ids),
            Progress.problem_id.in_(problem_ids),
            Progress.status == ProgressStatus.SOLVED,
        )
    )
    for row in progress:
        solved[row.user_id][row.problem_id] = row.first_solved_at or row.updated_at
    return solved


async def list_for_class(session: AsyncSession, user: User, class_id: str) -> ChallengesOut:
    found = await service.access(session, user, class_id, learners_too=True)
    rows = await session.scalars(
        select(Challenge).where(Challenge.class_id == class_id).order_by(Challenge.opens_at)
    )
    out = []
    for challenge in rows:
        problems = await _problems(session, challenge.id)
        mine: list[str] = []
        if not found.teaches:
            solved = await _solved_by(session, challenge, [user.id], [p.id for p in problems])
            mine = sorted(solved[user.id])
        out.append(_out(challenge, found.classroom, problems, teacher=found.teaches, solved=mine))
    return ChallengesOut(challenges=out)


async def open_for_learner(session: AsyncSession, user: User) -> ChallengesOut:
    """ "From your teacher": open challenges of every class I am in."""
    now = utcnow()
    out = []
    for classroom in await repository.joined(session, user.id):
        rows = await session.scalars(
            select(Challenge)
            .where(
                Challenge.class_id == classroom.id,
                Challenge.opens_at <= now,
                Challenge.closes_at > now,
            )
            .order_by(Challenge.closes_at)
        )
        for challenge in rows:
            problems = await _problems(session, challenge.id)
            solved = await _solved_by(session, challenge, [user.id], [p.id for p in problems])
            out.append(
                _out(challenge, classroom, problems, teacher=False, solved=sorted(solved[user.id]))
            )
    return ChallengesOut(challenges=out)


async def results(
    session: AsyncSession, user: User, class_id: str, challenge_id: str
) -> ChallengeResultsOut:
    """The class's ranking: teachers see usernames; learners see opted-in classmates' names."""
    found = await service.access(session, user, class_id, learners_too=True)
    challenge = await session.get(Challenge, challenge_id)
    if challenge is None or challenge.class_id != class_id:
        raise NotFound("no such challenge")
    problems = await _problems(session, challenge.id)
    if not found.teaches and _state(challenge, utcnow()) == "upcoming":
        raise NotFound("no such challenge")
    members = [u for u, _ in await repository.learners(session, class_id)]
    solved = await _solved_by(session, challenge, [u.id for u in members], [p.id for p in problems])
    scored = []
    for member in members:
        times = solved[member.id]
        minutes = sum(
            max(0, int((at - challenge.opens_at).total_seconds() // 60)) for at in times.values()
        )
        scored.append((member, len(times), minutes if challenge.contest else 0, sorted(times)))
    scored.sort(key=lambda s: (-s[1], s[2], s[0].username.lower()))
    rows: list[ResultRow] = []
    for i, (member, count, minutes, done) in enumerate(scored):
        previous = rows[-1] if rows else None
        same = previous is not None and (previous.solved, previous.minutes) == (count, minutes)
        visible = found.teaches or member.id == user.id or not member.leaderboard_opt_out
        rows.append(
            ResultRow(
                rank=previous.rank if same and previous else i + 1,
                learner_id=member.id if found.teaches or member.id == user.id else None,
                name=(member.display_name or member.username) if visible else HIDDEN_NAME,
                solved=count,
                minutes=minutes,
                is_me=member.id == user.id,
                solved_problems=done if found.teaches or member.id == user.id else [],
            )
        )
    return ChallengeResultsOut(
        challenge=_out(challenge, found.classroom, problems, teacher=found.teaches), rows=rows
    )
