"""Queries over classes, their teachers and learners."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.classes.models import (
    Challenge,
    ChallengeProblem,
    ClassMember,
    ClassProblem,
    Classroom,
    ClassTeacher,
)
from coderunner.execution.models import ExecutionJob, JobType
from coderunner.kernel.verdicts import Verdict
from coderunner.levels.models import Level
from coderunner.problems.models import Problem
from coderunner.progress.models import Progress, ProgressStatus


async def get(session: AsyncSession, class_id: str) -> Classroom | None:
    return await session.get(Classroom, class_id)


async def by_join_code(session: AsyncSession, code: str) -> Classroom | None:
    found: Classroom | None = await session.scalar(
        select(Classroom).where(Classroom.join_code == code)
    )
    return found


async def code_taken(session: AsyncSession, code: str) -> bool:
    return (
        await session.scalar(select(Classroom.id).where(Classroom.join_code == code))
    ) is not None


async def is_teacher(session: AsyncSession, class_id: str, user_id: str) -> bool:
    found = await session.scalar(
        select(ClassTeacher.user_id).where(
            ClassTeacher.class_id == class_id, ClassTeacher.user_id == user_id
        )
    )
    return found is not None


async def membership(session: AsyncSession, class_id: str, user_id: str) -> ClassMember | None:
    return await session.get(ClassMember, (class_id, user_id))


async def teaching(session: AsyncSession, user_id: str) -> Sequence[Classroom]:
    rows = await session.scalars(
        select(Classroom)
        .join(ClassTeacher, ClassTeacher.class_id == Classroom.id)
        .where(ClassTeacher.user_id == user_id)
        .order_by(Classroom.created_at, Classroom.id)
    )
    return rows.all()


async def joined(session: AsyncSession, user_id: str) -> Sequence[Classroom]:
    rows = await session.scalars(
        select(Classroom)
        .join(ClassMember, ClassMember.class_id == Classroom.id)
        .where(ClassMember.user_id == user_id)
        .order_by(ClassMember.joined_at, Classroom.id)
    )
    return rows.all()


async def learner_counts(session: AsyncSession, class_ids: Sequence[str]) -> dict[str, int]:
    if not class_ids:
        return {}
    rows = await session.execute(
        select(ClassMember.class_id, func.count())
        .where(ClassMember.class_id.in_(class_ids))
        .group_by(ClassMember.class_id)
    )
    return {cid: int(n) for cid, n in rows.all()}


async def teachers(session: AsyncSession, class_id: str) -> Sequence[User]:
    rows = await session.scalars(
        select(User)
        .join(ClassTeacher, ClassTeacher.user_id == User.id)
        .where(ClassTeacher.class_id == class_id)
        .order_by(ClassTeacher.added_at, User.username)
    )
    return rows.all()


async def learners(session: AsyncSession, class_id: str) -> Sequence[tuple[User, ClassMember]]:
    rows = await session.execute(
        select(User, ClassMember)
        .join(ClassMember, ClassMember.user_id == User.id)
        .where(ClassMember.class_id == class_id)
        .order_by(func.lower(User.username))
    )
    return [(u, m) for u, m in rows.all()]


async def add_teacher(session: AsyncSession, class_id: str, user_id: str) -> None:
    if not await is_teacher(session, class_id, user_id):
        session.add(ClassTeacher(class_id=class_id, user_id=user_id))
        await session.flush()


async def remove_teacher(session: AsyncSession, class_id: str, user_id: str) -> None:
    await session.execute(
        delete(ClassTeacher).where(
            ClassTeacher.class_id == class_id, ClassTeacher.user_id == user_id
        )
    )


async def teacher_count(session: AsyncSession, class_id: str) -> int:
    n = await session.scalar(
        select(func.count()).select_from(ClassTeacher).where(ClassTeacher.class_id == class_id)
    )
    return int(n or 0)


async def remove_member(session: AsyncSession, class_id: str, user_id: str) -> bool:
    result = await session.execute(
        delete(ClassMember).where(ClassMember.class_id == class_id, ClassMember.user_id == user_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def job_owners(session: AsyncSession, job_ids: Collection[str]) -> set[str]:
    """Who ran these jobs (the live dashboard's filter for events that came without the row)."""
    rows = await session.scalars(select(ExecutionJob.user_id).where(ExecutionJob.id.in_(job_ids)))
    return set(rows)


async def challenge_problems(
    session: AsyncSession, challenge_id: str
) -> list[tuple[Problem, str | None]]:
    """The challenge's problems in order, each with the class that owns it (None: catalogue)."""
    rows = await session.execute(
        select(Problem, ClassProblem.class_id)
        .join(ChallengeProblem, ChallengeProblem.problem_id == Problem.id)
        .outerjoin(ClassProblem, ClassProblem.problem_id == Problem.id)
        .where(ChallengeProblem.challenge_id == challenge_id)
        .order_by(ChallengeProblem.position)
    )
    return [(problem, owner) for problem, owner in rows.all()]


async def problems_with_owner(
    session: AsyncSession, problem_ids: Collection[str]
) -> list[tuple[Problem, str | None]]:
    """These problems, each with the class that owns it (None: catalogue)."""
    rows = await session.execute(
        select(Problem, ClassProblem.class_id)
        .outerjoin(ClassProblem, ClassProblem.problem_id == Problem.id)
        .where(Problem.id.in_(problem_ids))
    )
    return [(problem, owner) for problem, owner in rows.all()]


async def first_level(session: AsyncSession, age_group: str) -> int | None:
    """The lowest level number of an age group (None: it has no level)."""
    found: int | None = await session.scalar(
        select(func.min(Level.number)).where(Level.age_group == age_group)
    )
    return found


async def first_accepted_between(
    session: AsyncSession,
    user_ids: Collection[str],
    problem_ids: Collection[str],
    opens_at: datetime,
    closes_at: datetime,
) -> list[tuple[str, str | None, datetime | None]]:
    """(user, problem, first accepted submission) for the submissions inside the window."""
    rows = await session.execute(
        select(ExecutionJob.user_id, ExecutionJob.problem_id, func.min(ExecutionJob.created_at))
        .where(
            ExecutionJob.user_id.in_(user_ids),
            ExecutionJob.problem_id.in_(problem_ids),
            ExecutionJob.type == JobType.SUBMIT.value,
            ExecutionJob.verdict == Verdict.ACCEPTED,
            ExecutionJob.created_at >= opens_at,
            ExecutionJob.created_at < closes_at,
        )
        .group_by(ExecutionJob.user_id, ExecutionJob.problem_id)
    )
    return [(user_id, problem_id, at) for user_id, problem_id, at in rows.all()]


async def solved_progress(
    session: AsyncSession, user_ids: Collection[str], problem_ids: Collection[str]
) -> list[Progress]:
    """The progress rows of these users that solved these problems."""
    found = await session.scalars(
        select(Progress).where(
            Progress.user_id.in_(user_ids),
            Progress.problem_id.in_(problem_ids),
            Progress.status == ProgressStatus.SOLVED,
        )
    )
    return list(found.all())


async def challenges_of(session: AsyncSession, class_id: str) -> list[Challenge]:
    """A class's challenges, by when they open."""
    found = await session.scalars(
        select(Challenge).where(Challenge.class_id == class_id).order_by(Challenge.opens_at)
    )
    return list(found.all())


async def open_challenges(session: AsyncSession, class_id: str, now: datetime) -> list[Challenge]:
    """A class's challenges open at `now`, the soonest to close first."""
    found = await session.scalars(
        select(Challenge)
        .where(Challenge.class_id == class_id, Challenge.opens_at <= now, Challenge.closes_at > now)
        .order_by(Challenge.closes_at)
    )
    return list(found.all())
