"""Queries the learning model reads: activity days, solved counts per level, unlocks, hints."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.classes.models import (
    Challenge,
    ChallengeProblem,
    ClassMember,
    ClassProblem,
    ClassTeacher,
)
from coderunner.execution.models import ExecutionJob, JobStatus
from coderunner.learning.models import LevelUnlock
from coderunner.levels.models import Level
from coderunner.problems.models import Problem
from coderunner.progress.models import Progress, ProgressStatus


def _utc_day(dialect: str) -> ColumnElement[Any]:
    """A job's UTC day, computed by the database (SQLite stores UTC, PostgreSQL an instant)."""
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", ExecutionJob.created_at))
    return func.date(ExecutionJob.created_at)


async def problem(session: AsyncSession, problem_id: str) -> Problem | None:
    """The problem by its primary key (problems are the problems domain's table)."""
    return await session.get(Problem, problem_id)


async def activity_days(session: AsyncSession, user_id: str, since: datetime) -> set[date]:
    """UTC days on which the learner ran or submitted code: one row per day, not per job."""
    day = _utc_day(session.get_bind().dialect.name)
    rows = await session.scalars(
        select(day)
        .where(ExecutionJob.user_id == user_id, ExecutionJob.created_at >= since)
        .distinct()
    )
    return {value if isinstance(value, date) else date.fromisoformat(value) for value in rows}


class FinishedJobs(NamedTuple):
    """What a learner's finished jobs (completed, with a verdict) say, for effort badges."""

    ran: bool  # there is one
    failed: bool  # one with a `failed` verdict
    fixed: bool  # one with a `good` verdict after (created later than) one with a `failed` one


async def finished_jobs(
    session: AsyncSession, user_id: str, failed: Collection[str], good: Collection[str]
) -> FinishedJobs:
    """Three EXISTS in one statement, none of them reading the jobs into Python. A good job
    after a failed one exists exactly when one is newer than the learner's first failure."""
    finished = select(ExecutionJob.id).where(
        ExecutionJob.user_id == user_id,
        ExecutionJob.status == JobStatus.COMPLETED.value,
        ExecutionJob.verdict.is_not(None),
    )
    first_failure = (
        select(func.min(ExecutionJob.created_at))
        .where(
            ExecutionJob.user_id == user_id,
            ExecutionJob.status == JobStatus.COMPLETED.value,
            ExecutionJob.verdict.in_(list(failed)),
        )
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(
                exists(finished),
                exists(finished.where(ExecutionJob.verdict.in_(list(failed)))),
                exists(
                    finished.where(
                        ExecutionJob.verdict.in_(list(good)),
                        ExecutionJob.created_at > first_failure,
                    )
                ),
            )
        )
    ).one()
    return FinishedJobs(ran=bool(row[0]), failed=bool(row[1]), fixed=bool(row[2]))


async def level_totals(session: AsyncSession, age_group: str) -> dict[int, int]:
    rows = await session.execute(
        select(Problem.level_number, func.count(Problem.id))
        .where(Problem.age_group == age_group, Problem.is_published.is_(True))
        .group_by(Problem.level_number)
    )
    return {int(n): int(c) for n, c in rows.all()}


async def solved_per_level(session: AsyncSession, user_id: str, age_group: str) -> dict[int, int]:
    rows = await session.execute(
        select(Problem.level_number, func.count(Progress.id))
        .join(Problem, Problem.id == Progress.problem_id)
        .where(
            Progress.user_id == user_id,
            Progress.status == ProgressStatus.SOLVED,
            Problem.age_group == age_group,
            Problem.is_published.is_(True),
        )
        .group_by(Problem.level_number)
    )
    return {int(n): int(c) for n, c in rows.all()}


async def solved_without_hints(session: AsyncSession, user_id: str, up_to: int) -> int:
    """How many puzzles the learner solved without a hint, counted up to `up_to` (a badge
    needs to know only whether there are that many)."""
    solved = (
        select(Progress.id)
        .where(
            Progress.user_id == user_id,
            Progress.status == ProgressStatus.SOLVED,
            Progress.hints_used == 0,
        )
        .limit(up_to)
        .subquery()
    )
    count = await session.scalar(select(func.count()).select_from(solved))
    return int(count or 0)


async def unlocked_levels(session: AsyncSession, user_id: str, age_group: str) -> set[int]:
    rows = await session.scalars(
        select(LevelUnlock.level_number).where(
            LevelUnlock.user_id == user_id, LevelUnlock.age_group == age_group
        )
    )
    return set(rows)


async def add_unlock(
    session: AsyncSession, user_id: str, age_group: str, level_number: int, by: str
) -> None:
    exists = await session.scalar(
        select(LevelUnlock.id).where(
            and_(
                LevelUnlock.user_id == user_id,
                LevelUnlock.age_group == age_group,
                LevelUnlock.level_number == level_number,
            )
        )
    )
    if exists is None:
        session.add(
            LevelUnlock(
                user_id=user_id, age_group=age_group, level_number=level_number, unlocked_by=by
            )
        )
        await session.flush()


async def remove_unlock(
    session: AsyncSession, user_id: str, age_group: str, level_number: int
) -> None:
    await session.execute(
        delete(LevelUnlock).where(
            LevelUnlock.user_id == user_id,
            LevelUnlock.age_group == age_group,
            LevelUnlock.level_number == level_number,
        )
    )


async def levels_of(session: AsyncSession, age_group: str) -> list[Level]:
    """An age group's levels, in order."""
    found = await session.scalars(
        select(Level).where(Level.age_group == age_group).order_by(Level.number)
    )
    return list(found.all())


async def level_numbers(session: AsyncSession, age_group: str) -> list[int]:
    """The numbers of an age group's level rows."""
    found = await session.scalars(select(Level.number).where(Level.age_group == age_group))
    return list(found.all())


async def level_exists(session: AsyncSession, age_group: str, number: int) -> bool:
    found = await session.scalar(
        select(Level.id).where(Level.age_group == age_group, Level.number == number)
    )
    return found is not None


async def challenge_levels(
    session: AsyncSession, user_ids: Collection[str], age_group: str, now: datetime
) -> dict[str, set[int]]:
    """Per learner, the levels of `age_group` that an open challenge of their classes opens
    (the levels of its catalogue problems), between its opening and its closing only."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(ClassMember.user_id, Problem.level_number)
        .distinct()
        .join(Challenge, Challenge.class_id == ClassMember.class_id)
        .join(ChallengeProblem, ChallengeProblem.challenge_id == Challenge.id)
        .join(Problem, Problem.id == ChallengeProblem.problem_id)
        .where(
            ClassMember.user_id.in_(user_ids),
            Challenge.opens_at <= now,
            Challenge.closes_at > now,
            Problem.age_group == age_group,
            Problem.is_published.is_(True),
        )
    )
    found: dict[str, set[int]] = {}
    for user_id, number in rows.all():
        found.setdefault(user_id, set()).add(int(number))
    return found


async def problem_class(session: AsyncSession, problem_id: str) -> str | None:
    """The class a problem was written for, or None for a catalogue problem."""
    owner: str | None = await session.scalar(
        select(ClassProblem.class_id).where(ClassProblem.problem_id == problem_id)
    )
    return owner


async def in_class(session: AsyncSession, class_id: str, user_id: str, *, teacher: bool) -> bool:
    """Whether the user teaches (`teacher`) or learns in the class."""
    table = ClassTeacher if teacher else ClassMember
    found = await session.scalar(
        select(table.user_id).where(table.class_id == class_id, table.user_id == user_id)
    )
    return found is not None


async def challenge_windows(
    session: AsyncSession, class_id: str, problem_id: str
) -> list[tuple[datetime, datetime]]:
    """(opens, closes) of the class's challenges that hold the problem."""
    rows = await session.execute(
        select(Challenge.opens_at, Challenge.closes_at)
        .join(ChallengeProblem, ChallengeProblem.challenge_id == Challenge.id)
        .where(Challenge.class_id == class_id, ChallengeProblem.problem_id == problem_id)
    )
    return [(opens, closes) for opens, closes in rows.all()]
