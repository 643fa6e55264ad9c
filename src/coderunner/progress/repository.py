"""Progress queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import Role, User
from coderunner.problems.models import Problem
from coderunner.progress.models import Progress, ProgressStatus


async def for_user(session: AsyncSession, user_id: str) -> Sequence[tuple[Progress, Problem]]:
    stmt = (
        select(Progress, Problem)
        .join(Problem, Problem.id == Progress.problem_id)
        .where(Progress.user_id == user_id)
        .order_by(Problem.age_group, Problem.level_number, Problem.order, Problem.id)
    )
    return [(p, pr) for p, pr in (await session.execute(stmt)).all()]


async def problem(session: AsyncSession, problem_id: str) -> Problem | None:
    """The problem by its primary key (problems are the problems domain's table)."""
    return await session.get(Problem, problem_id)


async def get(
    session: AsyncSession, user_id: str, problem_id: str, *, for_update: bool = False
) -> Progress | None:
    stmt = select(Progress).where(Progress.user_id == user_id, Progress.problem_id == problem_id)
    if for_update:
        stmt = stmt.with_for_update()
    result: Progress | None = await session.scalar(stmt)
    return result


async def weekly_xp(
    session: AsyncSession,
    since: datetime,
    age_groups: Sequence[str],
    limit: int,
    user_ids: Sequence[str] | None = None,
) -> Sequence[tuple[str, str | None, int]]:
    """(user id, display name, XP first earned since `since`) of opted-in learners of
    `age_groups` (and among `user_ids`, when given)."""
    xp = func.sum(Progress.xp_awarded).label("xp")
    stmt = (
        select(User.id, User.display_name, xp)
        .join(Progress, Progress.user_id == User.id)
        .where(
            Progress.first_solved_at >= since,
            User.leaderboard_opt_out.is_(False),
            User.role == Role.LEARNER,
        )
        .group_by(User.id, User.display_name)
        .having(func.sum(Progress.xp_awarded) > 0)
        .order_by(xp.desc(), User.id)
        .limit(limit)
    )
    stmt = stmt.where(User.age_group.in_(age_groups))
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(user_ids))
    return [(uid, name, int(total)) for uid, name, total in (await session.execute(stmt)).all()]


async def learner_stats(
    session: AsyncSession, age_group: str | None, limit: int
) -> Sequence[tuple[User, int, int, int, int | None, datetime | None]]:
    """Per learner: (user, solved, attempted, xp, highest solved level, last activity)."""
    solved = func.sum(case((Progress.status == ProgressStatus.SOLVED, 1), else_=0))
    attempted = func.sum(case((Progress.status == ProgressStatus.ATTEMPTED, 1), else_=0))
    highest = func.max(
        case((Progress.status == ProgressStatus.SOLVED, Problem.level_number), else_=None)
    )
    stmt = (
        select(
            User,
            func.coalesce(solved, 0),
            func.coalesce(attempted, 0),
            func.coalesce(func.sum(Progress.xp_awarded), 0),
            highest,
            func.max(Progress.updated_at),
        )
        .outerjoin(Progress, Progress.user_id == User.id)
        .outerjoin(Problem, Problem.id == Progress.problem_id)
        .where(User.role == Role.LEARNER)
        .group_by(User.id)
        .order_by(User.username)
        .limit(limit)
    )
    if age_group is not None:
        stmt = stmt.where(User.age_group == age_group)
    rows = (await session.execute(stmt)).all()
    return [(user, int(s), int(a), int(x), h, _as_utc(last)) for user, s, a, x, h, last in rows]


def _as_utc(value: datetime | str | None) -> datetime | None:
    # an aggregate loses the column type: SQLite hands back text, PostgreSQL an aware datetime
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def solved_counts_by_level(session: AsyncSession, user_id: str) -> dict[tuple[str, int], int]:
    stmt = (
        select(Problem.age_group, Problem.level_number, func.count())
        .join(Progress, Progress.problem_id == Problem.id)
        .where(
            Progress.user_id == user_id,
            Progress.status == ProgressStatus.SOLVED,
            Problem.is_published.is_(True),
        )
        .group_by(Problem.age_group, Problem.level_number)
    )
    return {(a, n): int(c) for a, n, c in (await session.execute(stmt)).all()}


async def published_counts_by_level(session: AsyncSession) -> dict[tuple[str, int], int]:
    """How many published problems each (age group, level) has: the totals progress is out of."""
    stmt = (
        select(Problem.age_group, Problem.level_number, func.count())
        .where(Problem.is_published.is_(True))
        .group_by(Problem.age_group, Problem.level_number)
    )
    return {(a, n): int(c) for a, n, c in (await session.execute(stmt)).all()}
