"""The class dashboard: learners x problems, who needs help, a cell's latest code, unlocks.

"Needs help" has two reasons: a learner failed the same problem `help_failures` times without
solving it, or has been working (code run in the last ACTIVE_MINUTES, in one stretch without a
gap over STRETCH_GAP_MINUTES) for `help_idle_minutes` without solving anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth import repository as auth_repository
from coderunner.auth.models import User
from coderunner.classes import repository, service
from coderunner.classes.models import Classroom
from coderunner.classes.schemas import (
    CellDetailOut,
    CellOut,
    GridLearner,
    GridLevel,
    GridOut,
    GridProblem,
    HelpReason,
    PersonOut,
)
from coderunner.execution import service as execution_service
from coderunner.kernel.errors import NotFound
from coderunner.learning import clock
from coderunner.learning import repository as learning_repository
from coderunner.learning.unlocking import level_states
from coderunner.problems import repository as problems_repository
from coderunner.problems.models import Problem
from coderunner.progress.models import Progress, ProgressStatus

ACTIVE_MINUTES = 5
STRETCH_GAP_MINUTES = 10
HISTORY_HOURS = 5  # > the largest help_idle_minutes (240) plus a stretch's start


async def _problems(session: AsyncSession, classroom: Classroom) -> tuple[list[Problem], set[str]]:
    """The age group's catalogue problems and the ones written for this class (their ids)."""
    own_ids = await repository.own_problem_ids(session, classroom.id)
    problems = await repository.catalogue_and_own(session, classroom.age_group, classroom.id)
    return problems, own_ids


def idle_since(
    job_times: list[datetime], last_solve: datetime | None, now: datetime
) -> datetime | None:
    """When the learner's current stretch of work without a solve began; None when they are not
    working right now (no code run in the last ACTIVE_MINUTES)."""
    if not job_times:
        return None
    times = sorted(job_times)
    if now - times[-1] > timedelta(minutes=ACTIVE_MINUTES):
        return None
    start = times[-1]
    for earlier in reversed(times[:-1]):
        if start - earlier > timedelta(minutes=STRETCH_GAP_MINUTES):
            break
        start = earlier
    if last_solve is not None and last_solve > start:
        start = last_solve
    return start


async def grid(session: AsyncSession, user: User, class_id: str) -> GridOut:
    classroom = await service.teaches(session, user, class_id)
    return await build_grid(session, classroom)


async def learner_rows(
    session: AsyncSession, user: User, class_id: str, learner_ids: Collection[str]
) -> GridOut:
    """The grid with only these learners' rows (those still in the class): what a live update
    carries when their jobs finished, instead of the whole class."""
    classroom = await service.teaches(session, user, class_id)
    return await build_grid(session, classroom, only=learner_ids)


@dataclass
class _Activity:
    """What the grid shows of its learners' work, read in one place."""

    progress: dict[str, dict[str, Progress]] = field(default_factory=lambda: defaultdict(dict))
    verdicts: dict[tuple[str, str], str | None] = field(default_factory=dict)
    job_times: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    last_job: dict[str, datetime] = field(default_factory=dict)
    unlocks: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    last_solve: dict[str, datetime] = field(default_factory=dict)
    # levels an open challenge opens for them now (not a teacher's unlock)
    by_challenge: dict[str, set[int]] = field(default_factory=dict)


async def _activity(
    session: AsyncSession,
    classroom: Classroom,
    learner_ids: list[str],
    problem_ids: list[str],
    now: datetime,
) -> _Activity:
    """Progress, latest verdicts, recent jobs and teacher unlocks of these learners."""
    found_activity = _Activity()
    if not learner_ids:
        return found_activity
    progress, verdicts = found_activity.progress, found_activity.verdicts
    job_times, unlocks = found_activity.job_times, found_activity.unlocks
    last_solve = found_activity.last_solve
    for row in await repository.progress_of(session, learner_ids):
        progress[row.user_id][row.problem_id] = row
        if row.first_solved_at is not None:
            seen = last_solve.get(row.user_id)
            last_solve[row.user_id] = max(seen or row.first_solved_at, row.first_solved_at)
    if problem_ids:
        # the latest submission's verdict per learner and problem
        for uid, pid, verdict in await repository.latest_verdicts(
            session, learner_ids, problem_ids
        ):
            if pid is not None:
                verdicts[(uid, pid)] = verdict
    since = now - timedelta(hours=HISTORY_HOURS)
    for uid, created in await repository.job_times_since(session, learner_ids, since):
        job_times[uid].append(created)
    found_activity.last_job = await repository.last_job_at(session, learner_ids)
    for uid, number in await repository.teacher_unlocks(session, learner_ids, classroom.age_group):
        unlocks[uid].add(number)
    found_activity.by_challenge = await learning_repository.challenge_levels(
        session, learner_ids, classroom.age_group, clock.now()
    )
    return found_activity


async def build_grid(
    session: AsyncSession, classroom: Classroom, *, only: Collection[str] | None = None
) -> GridOut:
    """The class's grid; `only`: just these learners' rows (every query is limited to them)."""
    now = clock.now()  # jobs are dated by it (`execution.service`)
    problems, own_ids = await _problems(session, classroom)
    levels = await learning_repository.levels_of(session, classroom.age_group)
    members = await repository.learners(session, classroom.id)
    if only is not None:
        members = [(u, m) for u, m in members if u.id in only]
    learner_ids = [u.id for u, _ in members]
    problem_ids = [p.id for p in problems]
    level_of = {p.id: p.level_number for p in problems}

    activity = await _activity(session, classroom, learner_ids, problem_ids, now)
    progress, verdicts, job_times = activity.progress, activity.verdicts, activity.job_times
    last_job, unlocks, last_solve = activity.last_job, activity.unlocks, activity.last_solve
    by_challenge = activity.by_challenge

    totals = await learning_repository.level_totals(session, classroom.age_group)
    for level in levels:
        totals.setdefault(level.number, 0)
    titles = {p.id: p.title for p in problems}
    learners: list[GridLearner] = []
    for member, _ in members:
        mine = {pid: row for pid, row in progress[member.id].items() if pid in level_of}
        solved_per_level: dict[int, int] = defaultdict(int)
        for pid, row in mine.items():
            if row.status == ProgressStatus.SOLVED and pid not in own_ids:  # levels: catalogue
                solved_per_level[level_of[pid]] += 1
        states = level_states(
            totals, solved_per_level, unlocks[member.id] | by_challenge.get(member.id, set())
        )
        cells = {
            pid: CellOut(
                status=str(row.status),
                attempts=row.attempts,
                last_verdict=verdicts.get((member.id, pid)),
                time_spent_s=row.time_spent_s,
                hints_used=row.hints_used,
                updated_at=row.updated_at,
            )
            for pid, row in mine.items()
            if row.status != ProgressStatus.NOT_STARTED or row.time_spent_s or row.hints_used
        }
        help_reasons = [
            HelpReason(
                kind="failures",
                problem_id=pid,
                message=f"tried {titles[pid]!r} {row.attempts} times without solving it",
            )
            for pid, row in mine.items()
            if row.status == ProgressStatus.ATTEMPTED and row.attempts >= classroom.help_failures
        ]
        since = idle_since(job_times[member.id], last_solve.get(member.id), now)
        if since is not None and now - since >= timedelta(minutes=classroom.help_idle_minutes):
            minutes = int((now - since).total_seconds() // 60)
            help_reasons.append(
                HelpReason(kind="idle", message=f"working for {minutes} minutes without a solve")
            )
        active = [t for t in (last_job.get(member.id),) if t is not None]
        active += [row.updated_at for row in progress[member.id].values()]
        learners.append(
            GridLearner(
                id=member.id,
                username=member.username,
                solved=sum(1 for c in cells.values() if c.status == ProgressStatus.SOLVED),
                attempted=sum(1 for c in cells.values() if c.status == ProgressStatus.ATTEMPTED),
                last_active_at=max(active) if active else None,
                open_levels=[n for n, s in sorted(states.items()) if not s.locked],
                teacher_unlocks=sorted(unlocks[member.id]),
                needs_help=bool(help_reasons),
                help=help_reasons,
                cells=cells,
            )
        )
    counts: dict[int, int] = defaultdict(int)
    for p in problems:
        counts[p.level_number] += 1
    return GridOut(
        class_id=classroom.id,
        age_group=classroom.age_group,
        generated_at=now,
        help_failures=classroom.help_failures,
        help_idle_minutes=classroom.help_idle_minutes,
        levels=[
            GridLevel(number=level.number, title=level.title, problem_count=counts[level.number])
            for level in levels
        ],
        problems=[
            GridProblem(id=p.id, title=p.title, level_number=p.level_number) for p in problems
        ],
        learners=learners,
    )


async def cell(
    session: AsyncSession, user: User, class_id: str, learner_id: str, problem_id: str
) -> CellDetailOut:
    """One learner's work on one problem: progress and their latest code and results."""
    await service.teaches(session, user, class_id)
    member = await repository.membership(session, class_id, learner_id)
    learner = await auth_repository.get_user(session, learner_id) if member is not None else None
    problem = await problems_repository.by_id(session, problem_id)
    if learner is None or problem is None:
        raise NotFound("no such learner or problem in this class")
    if await repository.problem_owner(session, problem_id) not in (None, class_id):
        # a puzzle another class's teacher wrote is that class's alone (ADR 0012)
        raise NotFound("no such learner or problem in this class")
    row = await repository.progress_row(session, learner_id, problem_id)
    job = await repository.latest_job(session, learner_id, problem_id)
    verdict = await repository.latest_verdict(session, learner_id, problem_id)
    return CellDetailOut(
        learner=PersonOut(id=learner.id, username=learner.username),
        problem=GridProblem(id=problem.id, title=problem.title, level_number=problem.level_number),
        cell=CellOut(
            status=str(row.status) if row else ProgressStatus.NOT_STARTED.value,
            attempts=row.attempts if row else 0,
            last_verdict=verdict,
            time_spent_s=row.time_spent_s if row else 0,
            hints_used=row.hints_used if row else 0,
            updated_at=row.updated_at if row else None,
        ),
        latest_code=job.code if job else None,
        latest_job=execution_service.to_out(job) if job else None,
    )


async def set_unlock(
    session: AsyncSession,
    user: User,
    class_id: str,
    level_number: int,
    learner_id: str | None,
    *,
    open_: bool,
) -> GridOut:
    """Open (or take back the teacher's opening of) a level for one learner or the class."""
    staff = user
    classroom = await service.teaches(session, staff, class_id)
    if not await learning_repository.level_exists(session, classroom.age_group, level_number):
        raise NotFound("no such level")
    members = [u.id for u, _ in await repository.learners(session, class_id)]
    if learner_id is not None:
        if learner_id not in members:
            raise NotFound("no such learner in this class")
        members = [learner_id]
    for member_id in members:
        if open_:
            await learning_repository.add_unlock(
                session, member_id, classroom.age_group, level_number, staff.id
            )
        else:
            await learning_repository.remove_unlock(
                session, member_id, classroom.age_group, level_number
            )
    await session.flush()
    return await build_grid(session, classroom)
