"""Queries on execution_jobs. Every state change is one guarded UPDATE (compare-and-set).

The statements every job runs (admission count, claim, finish) are built once, here, with bound
parameters: SQLAlchemy then neither rebuilds them nor recomputes their cache key per job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, inspect, select, text, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from coderunner.execution.models import ExecutionJob, JobStatus, JobType
from coderunner.problems.models import Problem, TestCase

_ACTIVE = (JobStatus.PENDING.value, JobStatus.PROCESSING.value)
# every column of a job, labelled with its attribute's name (they are the same)
_COLUMNS = tuple(ExecutionJob.__table__.columns)


async def _rows(session: AsyncSession, statement: Any, params: dict[str, Any] | None = None) -> int:
    """Run a guarded UPDATE in the session's transaction; the rows it changed.

    On the session's connection, as Core: the ORM's bulk-update path (which these statements
    never needed: no session synchronisation, no RETURNING) cost more CPU than the statement.
    Pending ORM changes are flushed first, as the session's own `execute` would."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = await session.connection()
    result = cast(CursorResult[Any], await connection.execute(statement, params))
    return int(result.rowcount)


async def problem(session: AsyncSession, problem_id: str) -> Problem | None:
    return await session.get(Problem, problem_id)


async def get(session: AsyncSession, job_id: str) -> ExecutionJob | None:
    return await session.get(ExecutionJob, job_id, populate_existing=True)


async def lock_admission(session: AsyncSession, *keys: str) -> None:
    """Serialise admissions per key until the transaction ends (PostgreSQL advisory locks).

    On SQLite the job's INSERT, which comes first in its transaction, takes the database's one
    write lock, which serialises admissions the same way.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(keys):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
        )


_INSERT_JOB = insert(cast(Table, ExecutionJob.__table__))
_KEYS = tuple(column.key for column in _COLUMNS)


async def add(session: AsyncSession, job: ExecutionJob) -> None:
    """INSERT a new job in the session's transaction, as Core on its connection.

    The attributes set on `job` are its row (an unset one is NULL or its column's default, as
    a flush would write it); `job` stays outside the session: the ORM's flush of one new object
    (unit of work, identity map, events) cost more CPU than the statement. Pending ORM changes
    are flushed first, as the session's own `execute` would. A job that is already in the
    session (a new row that refers to it brought it in) is flushed with that row instead."""
    if job in session:
        await session.flush()
        return
    if session.new or session.dirty or session.deleted:
        await session.flush()
    row = inspect(job).dict
    connection = await session.connection()
    await connection.execute(_INSERT_JOB, {key: row[key] for key in _KEYS if key in row})


_PENDING_ON_QUEUE = (
    select(func.count())
    .where(ExecutionJob.queue == bindparam("queue"), ExecutionJob.status == JobStatus.PENDING.value)
    .scalar_subquery()
)
_ACTIVE_OF_USER = (
    select(func.count())
    .where(ExecutionJob.user_id == bindparam("user_id"), ExecutionJob.status.in_(_ACTIVE))
    .scalar_subquery()
)
_ADMISSION_COUNTS = select(_PENDING_ON_QUEUE, _ACTIVE_OF_USER)


async def admission_counts(session: AsyncSession, queue: str, user_id: str) -> tuple[int, int]:
    """(pending jobs on `queue`, pending or processing jobs of `user_id`) in one query."""
    row = (await session.execute(_ADMISSION_COUNTS, {"queue": queue, "user_id": user_id})).one()
    return int(row[0]), int(row[1])


async def depths(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Job counts by (queue, status) for pending and processing jobs."""
    statement = (
        select(ExecutionJob.queue, ExecutionJob.status, func.count())
        .where(ExecutionJob.status.in_(_ACTIVE))
        .group_by(ExecutionJob.queue, ExecutionJob.status)
    )
    return {(q, s): int(n) for q, s, n in (await session.execute(statement)).all()}


def _running_beside(job: Any) -> Any:
    """How many jobs of `job`'s owner are running on `job`'s queue (a subquery correlated with
    `job`, the table or an alias of it)."""
    running = aliased(ExecutionJob)
    return (
        select(func.count())
        .select_from(running)
        .where(
            running.user_id == job.user_id,
            running.queue == job.queue,
            running.status == JobStatus.PROCESSING.value,
        )
        .scalar_subquery()
    )


# what a claim writes: the job is this worker's, one attempt more, started and alive now
_CLAIMED = {
    "status": JobStatus.PROCESSING.value,
    "attempts": ExecutionJob.attempts + 1,
    "worker_id": bindparam("b_worker_id"),
    "started_at": bindparam("b_now"),
    "heartbeat_at": bindparam("b_now"),
}
_CLAIM = (
    update(ExecutionJob)
    .where(
        ExecutionJob.id == bindparam("b_job_id"),
        ExecutionJob.status == JobStatus.PENDING.value,
        bindparam("b_user_cap") > _running_beside(ExecutionJob),
    )
    .values(_CLAIMED)
    .returning(*_COLUMNS)
)


# PostgreSQL: claims of one owner's jobs on one queue take turns until each one's transaction
# ends, so the claim's count (a new snapshot per statement under read committed) sees the claim
# before it; without this, racing claims each counted the others' uncommitted rows as pending
_LOCK_OWNER = text(
    "SELECT pg_advisory_xact_lock(hashtextextended('job-claim:' || user_id || ':' || queue, 0)) "
    "FROM execution_jobs WHERE id = :b_job_id AND status = 'pending'"
)


# the queue's pending jobs in turn order (ADR 0019): owners with fewer jobs running on the queue
# first, then the owner served longest ago (no start on the queue since `b_since` counts as never),
# then the oldest job; owners at their share (`b_user_cap`) wait
_pending = aliased(ExecutionJob)
_owners_started = aliased(ExecutionJob)
_OWNER_RUNNING = _running_beside(_pending)
_OWNER_LAST_START = (
    select(func.max(_owners_started.started_at))
    .select_from(_owners_started)
    .where(
        _owners_started.user_id == _pending.user_id,
        _owners_started.created_at >= bindparam("b_since"),
        _owners_started.queue == _pending.queue,
    )
    .scalar_subquery()
)
_NEXT = (
    select(_pending.id)
    .where(
        _pending.queue == bindparam("b_queue"),
        _pending.status == JobStatus.PENDING.value,
        bindparam("b_user_cap") > _OWNER_RUNNING,
    )
    .order_by(
        _OWNER_RUNNING,
        _OWNER_LAST_START.is_not(None),
        _OWNER_LAST_START,
        _pending.created_at,
        _pending.id,
    )
    .limit(1)
)
# SQLite: choose and take in one statement (a writing statement holds the one write lock from
# its start, so no other claim comes between)
_CLAIM_NEXT = (
    update(ExecutionJob)
    .where(
        ExecutionJob.id == _NEXT.scalar_subquery(),
        ExecutionJob.status == JobStatus.PENDING.value,
    )
    .values(_CLAIMED)
    .returning(*_COLUMNS)
)


async def claim_next(
    session: AsyncSession,
    queue: str,
    worker_id: str,
    now: datetime,
    user_cap: int,
    served_since: datetime,
) -> tuple[ExecutionJob | None, bool]:
    """Take the queue's next job in turn (see `_NEXT`) for this worker: (the claimed job, not
    attached to any session, or None; whether to try again). None and False: no pending job on
    the queue may start now. On PostgreSQL the turn is read first, then the owner's claim lock
    taken and the job claimed by id; a claim that raced for it answers (None, True), to be
    tried again in a new transaction (one holds at most one owner's lock: no lock order)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = await session.connection()
    params: dict[str, Any] = {
        "b_queue": queue,
        "b_user_cap": user_cap,
        "b_since": served_since,
        "b_worker_id": worker_id,
        "b_now": now,
    }
    if connection.dialect.name != "postgresql":
        row = (await connection.execute(_CLAIM_NEXT, params)).first()
        return (ExecutionJob(**row._mapping) if row is not None else None), False
    job_id = (await connection.execute(_NEXT, params)).scalar()
    if job_id is None:
        return None, False
    job = await claim(session, job_id, worker_id, now, user_cap)
    return job, job is None


async def pending_on(session: AsyncSession, queue: str) -> bool:
    """Whether any job waits on `queue`."""
    statement = select(
        select(ExecutionJob.id)
        .where(ExecutionJob.queue == queue, ExecutionJob.status == JobStatus.PENDING.value)
        .exists()
    )
    return bool((await session.execute(statement)).scalar())


async def claim(
    session: AsyncSession, job_id: str, worker_id: str, now: datetime, user_cap: int
) -> ExecutionJob | None:
    """Take a pending job for this worker (the claimed row, not attached to any session); None
    when someone else has it, it is done, or its owner already has `user_cap` jobs running on
    its queue (fair share). One statement: UPDATE … WHERE status='pending' AND <owner's
    running> < cap RETURNING …, run as Core (see `_rows`), the job built from its row; on
    PostgreSQL after the owner's claim lock (`_LOCK_OWNER`; SQLite's one writer serialises
    claims already)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(_LOCK_OWNER, {"b_job_id": job_id})
    params = {"b_job_id": job_id, "b_worker_id": worker_id, "b_now": now, "b_user_cap": user_cap}
    row = (await connection.execute(_CLAIM, params)).first()
    return ExecutionJob(**row._mapping) if row is not None else None


# a worker's claim on a job: its later writes bind b_job_id, b_worker_id and b_attempt
_OWNED = (
    (ExecutionJob.id == bindparam("b_job_id"))
    & (ExecutionJob.status == JobStatus.PROCESSING.value)
    & (ExecutionJob.worker_id == bindparam("b_worker_id"))
    & (ExecutionJob.attempts == bindparam("b_attempt"))
)
FINISH_FIELDS = frozenset(
    (
        "status",
        "verdict",
        "result",
        "submission_result",
        "failure_reason",
        "finished_at",
        "heartbeat_at",
    )
)
_FINISH = (
    update(ExecutionJob)
    .where(_OWNED)
    .values({column: bindparam(f"b_new_{column}") for column in FINISH_FIELDS})
)


def _claimed(job_id: str, worker_id: str, attempt: int) -> dict[str, Any]:
    return {"b_job_id": job_id, "b_worker_id": worker_id, "b_attempt": attempt}


async def heartbeat(
    session: AsyncSession, job_id: str, worker_id: str, attempt: int, now: datetime
) -> bool:
    statement = update(ExecutionJob).where(_OWNED).values(heartbeat_at=now)
    return await _rows(session, statement, _claimed(job_id, worker_id, attempt)) == 1


async def finish(
    session: AsyncSession, job_id: str, worker_id: str, attempt: int, **values: Any
) -> bool:
    """Write a terminal state (every one of FINISH_FIELDS), only if this worker's claim still
    holds."""
    if values.keys() != FINISH_FIELDS:
        raise ValueError(f"finish writes exactly {sorted(FINISH_FIELDS)}")
    params = _claimed(job_id, worker_id, attempt)
    params.update({f"b_new_{name}": value for name, value in values.items()})
    return await _rows(session, _FINISH, params) == 1


async def release(
    session: AsyncSession, job_id: str, worker_id: str, attempt: int, *, refund: bool
) -> bool:
    """Give a claimed job back (pending), e.g. on shutdown or to retry a platform error."""
    values: dict[str, Any] = {
        "status": JobStatus.PENDING.value,
        "worker_id": None,
        "heartbeat_at": None,
        "enqueued_at": None,
    }
    if refund:
        values["attempts"] = ExecutionJob.attempts - 1
    statement = update(ExecutionJob).where(_OWNED).values(**values)
    return await _rows(session, statement, _claimed(job_id, worker_id, attempt)) == 1


async def stale_processing(
    session: AsyncSession, before: datetime
) -> list[tuple[str, str, int, datetime | None]]:
    """(id, queue, attempts, heartbeat_at) of processing jobs whose heartbeat is older."""
    statement = select(
        ExecutionJob.id, ExecutionJob.queue, ExecutionJob.attempts, ExecutionJob.heartbeat_at
    ).where(
        ExecutionJob.status == JobStatus.PROCESSING.value,
        (ExecutionJob.heartbeat_at < before) | ExecutionJob.heartbeat_at.is_(None),
    )
    return [(i, q, a, h) for i, q, a, h in (await session.execute(statement)).all()]


def _stale_guard(job_id: str, heartbeat_at: datetime | None) -> Any:
    guard = (ExecutionJob.id == job_id) & (ExecutionJob.status == JobStatus.PROCESSING.value)
    if heartbeat_at is None:
        return guard & ExecutionJob.heartbeat_at.is_(None)
    return guard & (ExecutionJob.heartbeat_at == heartbeat_at)


async def requeue_stale(session: AsyncSession, job_id: str, heartbeat_at: datetime | None) -> bool:
    statement = (
        update(ExecutionJob)
        .where(_stale_guard(job_id, heartbeat_at))
        .values(status=JobStatus.PENDING.value, worker_id=None, heartbeat_at=None, enqueued_at=None)
    )
    return await _rows(session, statement) == 1


async def fail_stale(
    session: AsyncSession, job_id: str, heartbeat_at: datetime | None, reason: str, now: datetime
) -> bool:
    statement = (
        update(ExecutionJob)
        .where(_stale_guard(job_id, heartbeat_at))
        .values(status=JobStatus.FAILED.value, failure_reason=reason, finished_at=now)
    )
    return await _rows(session, statement) == 1


async def pending_ids(
    session: AsyncSession, queues: list[str], enqueued_before: datetime | None
) -> list[tuple[str, str]]:
    """(id, queue) of pending jobs never enqueued or (when given) enqueued before a time."""
    condition: Any = ExecutionJob.enqueued_at.is_(None)
    if enqueued_before is not None:
        condition = condition | (ExecutionJob.enqueued_at < enqueued_before)
    statement = (
        select(ExecutionJob.id, ExecutionJob.queue)
        .where(
            ExecutionJob.status == JobStatus.PENDING.value,
            ExecutionJob.queue.in_(queues),
            condition,
        )
        .order_by(ExecutionJob.created_at)
    )
    return [(i, q) for i, q in (await session.execute(statement)).all()]


async def all_pending_ids(session: AsyncSession, queues: list[str]) -> list[tuple[str, str]]:
    statement = (
        select(ExecutionJob.id, ExecutionJob.queue)
        .where(ExecutionJob.status == JobStatus.PENDING.value, ExecutionJob.queue.in_(queues))
        .order_by(ExecutionJob.created_at)
    )
    return [(i, q) for i, q in (await session.execute(statement)).all()]


async def mark_unsent(session: AsyncSession, job_id: str) -> None:
    """The job's message was not sent: the sweeper sends it (it looks for `enqueued_at` NULL)."""
    await session.execute(
        update(ExecutionJob).where(ExecutionJob.id == job_id).values(enqueued_at=None)
    )


async def mark_enqueued(session: AsyncSession, job_ids: list[str], now: datetime) -> None:
    if not job_ids:
        return
    statement = (
        update(ExecutionJob)
        .where(ExecutionJob.id.in_(job_ids), ExecutionJob.status == JobStatus.PENDING.value)
        .values(enqueued_at=now)
    )
    await _rows(session, statement)


async def cancel(session: AsyncSession, job_id: str, now: datetime) -> bool:
    statement = (
        update(ExecutionJob)
        .where(ExecutionJob.id == job_id, ExecutionJob.status == JobStatus.PENDING.value)
        .values(
            status=JobStatus.FAILED.value, failure_reason="cancelled by the user", finished_at=now
        )
    )
    return await _rows(session, statement) == 1


async def identical_submission(
    session: AsyncSession, job: ExecutionJob, since: datetime, excluded_verdicts: frozenset[str]
) -> ExecutionJob | None:
    """The owner's latest completed submission of `job`'s exact code to the same problem, made
    since `since` and after the problem's last edit (so graded against its current version)."""
    statement = (
        select(ExecutionJob)
        .join(Problem, Problem.id == ExecutionJob.problem_id)
        .where(
            ExecutionJob.user_id == job.user_id,
            ExecutionJob.status == JobStatus.COMPLETED.value,
            ExecutionJob.problem_id == job.problem_id,
            ExecutionJob.type == JobType.SUBMIT.value,
            ExecutionJob.language == job.language,
            ExecutionJob.created_at >= since,
            ExecutionJob.created_at >= Problem.updated_at,
            ExecutionJob.verdict.not_in(excluded_verdicts),
            ExecutionJob.code == job.code,
        )
        .order_by(ExecutionJob.created_at.desc())
        .limit(1)
    )
    found: ExecutionJob | None = await session.scalar(statement)
    return found


async def test_count(session: AsyncSession, problem_id: str) -> int:
    """How many test cases a problem has (a submission needs at least one)."""
    found = await session.scalar(
        select(func.count()).select_from(TestCase).where(TestCase.problem_id == problem_id)
    )
    return int(found or 0)


async def status_of(session: AsyncSession, job_id: str) -> str | None:
    found: str | None = await session.scalar(
        select(ExecutionJob.status).where(ExecutionJob.id == job_id)
    )
    return found


async def tests_of(session: AsyncSession, problem_id: str) -> list[TestCase]:
    """A problem's test cases in order: what a submission is graded on."""
    found = await session.scalars(
        select(TestCase).where(TestCase.problem_id == problem_id).order_by(TestCase.position)
    )
    return list(found.all())


async def finished_by_status(session: AsyncSession, since: datetime) -> dict[str, int]:
    """How many jobs finished since `since`, by status."""
    rows = await session.execute(
        select(ExecutionJob.status, func.count())
        .where(ExecutionJob.finished_at >= since)
        .group_by(ExecutionJob.status)
    )
    return {str(status): int(count) for status, count in rows.all()}


async def finished_by_verdict(session: AsyncSession, since: datetime) -> dict[str, int]:
    """How many jobs finished since `since` with each verdict (jobs without one left out)."""
    rows = await session.execute(
        select(ExecutionJob.verdict, func.count())
        .where(ExecutionJob.finished_at >= since, ExecutionJob.verdict.is_not(None))
        .group_by(ExecutionJob.verdict)
    )
    return {str(verdict): int(count) for verdict, count in rows.all()}


async def recent_timings(
    session: AsyncSession, since: datetime, limit: int
) -> list[tuple[datetime, datetime | None, datetime | None]]:
    """(created, started, finished) of the newest `limit` jobs that started and finished since
    `since`, newest first."""
    rows = await session.execute(
        select(ExecutionJob.created_at, ExecutionJob.started_at, ExecutionJob.finished_at)
        .where(ExecutionJob.finished_at >= since, ExecutionJob.started_at.is_not(None))
        .order_by(ExecutionJob.finished_at.desc())
        .limit(limit)
    )
    return [(created, started, finished) for created, started, finished in rows.all()]
