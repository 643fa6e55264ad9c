"""Queries over classes, their teachers and learners."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
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
from coderunner.learning.models import LevelUnlock
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


async def every_class(session: AsyncSession, limit: int) -> Sequence[Classroom]:
    rows = await session.scalars(
        select(Classroom).order_by(Classroom.created_at, Classroom.id).limit(limit)
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


async def challenge(session: AsyncSession, challenge_id: str) -> Challenge | None:
    return await session.get(Challenge, challenge_id)


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


async def own_problem_ids(session: AsyncSession, class_id: str) -> set[str]:
    """The ids of the problems written for this class."""
    found = await session.scalars(
        select(ClassProblem.problem_id).where(ClassProblem.class_id == class_id)
    )
    return set(found.all())


async def problem_owner(session: AsyncSession, problem_id: str) -> str | None:
    """The class a problem was written for; None for a catalogue problem."""
    owner: str | None = await session.scalar(
        select(ClassProblem.class_id).where(ClassProblem.problem_id == problem_id)
    )
    return owner


async def catalogue_and_own(session: AsyncSession, age_group: str, class_id: str) -> list[Problem]:
    """The age group's published catalogue problems and the class's own, in level order."""
    own = select(ClassProblem.problem_id).where(ClassProblem.class_id == class_id)
    found = await session.scalars(
        select(Problem)
        .where(
            or_(
                (Problem.age_group == age_group) & Problem.is_published.is_(True),
                Problem.id.in_(own),
            )
        )
        .order_by(Problem.level_number, Problem.order, Problem.id)
    )
    return list(found.all())


async def progress_of(session: AsyncSession, user_ids: Collection[str]) -> list[Progress]:
    found = await session.scalars(select(Progress).where(Progress.user_id.in_(user_ids)))
    return list(found.all())


async def latest_verdicts(
    session: AsyncSession, user_ids: Collection[str], problem_ids: Collection[str]
) -> list[tuple[str, str | None, str | None]]:
    """(user, problem, verdict) of each user's latest graded submission to each problem."""
    latest = (
        select(
            ExecutionJob.user_id,
            ExecutionJob.problem_id,
            func.max(ExecutionJob.created_at).label("at"),
        )
        .where(
            ExecutionJob.user_id.in_(user_ids),
            ExecutionJob.problem_id.in_(problem_ids),
            ExecutionJob.type == JobType.SUBMIT.value,
            ExecutionJob.verdict.is_not(None),
        )
        .group_by(ExecutionJob.user_id, ExecutionJob.problem_id)
        .subquery()
    )
    found = await session.execute(
        select(ExecutionJob.user_id, ExecutionJob.problem_id, ExecutionJob.verdict).join(
            latest,
            (latest.c.user_id == ExecutionJob.user_id)
            & (latest.c.problem_id == ExecutionJob.problem_id)
            & (latest.c.at == ExecutionJob.created_at),
        )
    )
    return [(user_id, problem_id, verdict) for user_id, problem_id, verdict in found.all()]


async def job_times_since(
    session: AsyncSession, user_ids: Collection[str], since: datetime
) -> list[tuple[str, datetime]]:
    """(user, when) of every job these users made since `since`."""
    found = await session.execute(
        select(ExecutionJob.user_id, ExecutionJob.created_at).where(
            ExecutionJob.user_id.in_(user_ids), ExecutionJob.created_at >= since
        )
    )
    return [(user_id, created) for user_id, created in found.all()]


async def last_job_at(session: AsyncSession, user_ids: Collection[str]) -> dict[str, datetime]:
    """When each of these users last made a job (users without one left out)."""
    found = await session.execute(
        select(ExecutionJob.user_id, func.max(ExecutionJob.created_at))
        .where(ExecutionJob.user_id.in_(user_ids))
        .group_by(ExecutionJob.user_id)
    )
    return {user_id: at for user_id, at in found.all() if at is not None}


async def teacher_unlocks(
    session: AsyncSession, user_ids: Collection[str], age_group: str
) -> list[tuple[str, int]]:
    """(user, level number) of the levels a teacher opened for these users in `age_group`."""
    found = await session.execute(
        select(LevelUnlock.user_id, LevelUnlock.level_number).where(
            LevelUnlock.user_id.in_(user_ids), LevelUnlock.age_group == age_group
        )
    )
    return [(user_id, number) for user_id, number in found.all()]


async def progress_row(session: AsyncSession, user_id: str, problem_id: str) -> Progress | None:
    found: Progress | None = await session.scalar(
        select(Progress).where(Progress.user_id == user_id, Progress.problem_id == problem_id)
    )
    return found


async def latest_job(session: AsyncSession, user_id: str, problem_id: str) -> ExecutionJob | None:
    """The user's latest job (run or submission) on the problem."""
    found: ExecutionJob | None = await session.scalar(
        select(ExecutionJob)
        .where(ExecutionJob.user_id == user_id, ExecutionJob.problem_id == problem_id)
        .order_by(ExecutionJob.created_at.desc(), ExecutionJob.id)
        .limit(1)
    )
    return found


async def latest_verdict(session: AsyncSession, user_id: str, problem_id: str) -> str | None:
    """The verdict of the user's latest graded submission to the problem."""
    found: str | None = await session.scalar(
        select(ExecutionJob.verdict)
        .where(
            ExecutionJob.user_id == user_id,
            ExecutionJob.problem_id == problem_id,
            ExecutionJob.type == JobType.SUBMIT.value,
            ExecutionJob.verdict.is_not(None),
        )
        .order_by(ExecutionJob.created_at.desc())
        .limit(1)
    )
    return found
