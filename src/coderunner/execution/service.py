"""Rules of /execution: admission (sizes, language, problem, back-pressure, per-user cap),
ownership, and the public view of a job."""

from __future__ import annotations

import math
from datetime import timedelta
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import Role, User
from coderunner.config import Settings
from coderunner.db.base import new_id, utcnow
from coderunner.execution import metrics, repository
from coderunner.execution.models import QUEUE_FOR_TYPE, ExecutionJob, JobStatus, JobType
from coderunner.execution.schemas import (
    JobOut,
    RunRequest,
    SubmissionResultOut,
    SubmitRequest,
    TraceRequest,
)
from coderunner.grading.rules import first_rule_break
from coderunner.grading.schemas import DraftCheckIn
from coderunner.kernel.errors import (
    AppError,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unprocessable,
)
from coderunner.kernel.verdicts import UNSTEADY_VERDICTS
from coderunner.learning import access, clock
from coderunner.sandbox import registry


class QueueFull(AppError):
    status_code = 503
    code = "QUEUE_FULL"


class RuleBroken(AppError):
    """The code breaks a rule of the problem's statement: refused before it runs."""

    status_code = 422
    code = "RULE_BROKEN"


class TooManyJobs(AppError):
    status_code = 429
    code = "TOO_MANY_JOBS"


@lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    return frozenset(k for k, v in registry().items() if v.enabled)


def check_language(language: str) -> None:
    if language not in _languages():
        raise Unprocessable(
            f"unknown language {language!r}; available: {', '.join(sorted(_languages()))}",
            code="UNKNOWN_LANGUAGE",
        )


def _utf8(field: str, text: str) -> bytes:
    try:
        data = text.encode()
    except UnicodeEncodeError:  # lone surrogates from JSON escapes
        raise Unprocessable(f"{field} is not valid text (stray surrogate characters)") from None
    if b"\0" in data:  # no database can keep it, and no program needs it in its source
        raise Unprocessable(f"{field} must not contain NUL characters")
    return data


def check_sizes(settings: Settings, code: str, stdin: str = "") -> None:
    if len(_utf8("code", code)) > settings.max_code_bytes:
        raise PayloadTooLarge(f"code is larger than {settings.max_code_bytes} bytes")
    if len(_utf8("stdin", stdin)) > settings.max_stdin_bytes:
        raise PayloadTooLarge(f"stdin is larger than {settings.max_stdin_bytes} bytes")


_NAMES = {"python": "Python", "javascript": "JavaScript", "java": "Java"}


class LimitsForStaff(Forbidden):
    code = "LIMITS_FOR_STAFF"


def new_run(settings: Settings, user: User, body: RunRequest) -> ExecutionJob:
    """A run: learners get the language's default limits; only teachers and admins may send
    `limits` (up to the server maxima, which the schema checks). Submissions always use the
    problem's limits."""
    check_sizes(settings, body.code, body.stdin)
    check_language(body.language)
    if body.limits is not None and not access.is_staff(user):
        raise LimitsForStaff(
            "only a teacher can change how long a program may run or how much memory it gets; "
            "send your code without limits"
        )
    limits = body.limits.model_dump(by_alias=True, exclude_none=True) if body.limits else {}
    if body.console:  # answers come from the console, never from stdin
        return _job(user, JobType.CONSOLE, body.language, body.code, "", limits, None)
    return _job(user, JobType.RUN, body.language, body.code, body.stdin, limits, None)


def new_trace(settings: Settings, user: User, body: TraceRequest) -> ExecutionJob:
    """Step mode: a run under the tracer, with the language's default limits."""
    check_sizes(settings, body.code, body.stdin)
    if body.language != "python":
        raise Unprocessable(
            "stepping through a program works for Python programs only", code="STEP_PYTHON_ONLY"
        )
    return _job(user, JobType.TRACE, body.language, body.code, body.stdin, {}, None)


async def new_submission(
    session: AsyncSession, settings: Settings, user: User, body: SubmitRequest
) -> ExecutionJob:
    check_sizes(settings, body.code)
    check_language(body.language)
    problem = await access.problem_for(session, user, body.problem_id)
    if not await repository.test_count(session, problem.id):
        raise Conflict("this problem has no test cases yet")
    allowed = problem.languages
    if body.language not in allowed:
        names = " or ".join(_NAMES.get(name, name) for name in allowed)
        raise Unprocessable(
            f"this puzzle is solved in {names}: choose one of them above the editor, "
            "write your answer in it and try again",
            code="WRONG_LANGUAGE",
        )
    # the rules are about Python code ("without max()"); checked before anything runs
    broken = first_rule_break(body.code, problem.rules) if body.language == "python" else None
    if broken is not None:
        raise RuleBroken(broken.message)
    return _job(user, JobType.SUBMIT, body.language, body.code, "", {}, problem.id)


class ChecksForStaff(Forbidden):
    code = "CHECKS_FOR_STAFF"


def new_check(settings: Settings, user: User, body: DraftCheckIn) -> ExecutionJob:
    """A teacher's reference solution graded against a draft problem's tests, as a submission
    to that problem would be once it is saved (its limits, comparison and rules)."""
    if not access.is_staff(user):
        raise ChecksForStaff("only a teacher can check a solution against draft tests")
    check_sizes(settings, body.code)
    check_language(body.language)
    rules = body.stored_draft()["rules"]
    broken = first_rule_break(body.code, rules) if body.language == "python" else None
    if broken is not None:
        raise RuleBroken(f"the solution breaks the problem's own rule: {broken.message}")
    limits = body.limits.model_dump(by_alias=True, exclude_none=True)
    job = _job(user, JobType.CHECK, body.language, body.code, "", limits, None)
    job.draft = body.stored_draft()
    return job


def _job(
    user: User,
    type_: JobType,
    language: str,
    code: str,
    stdin: str,
    limits: dict[str, object],
    problem_id: str | None,
) -> ExecutionJob:
    now = utcnow()
    return ExecutionJob(
        id=new_id(),
        type=type_.value,
        queue=QUEUE_FOR_TYPE[type_].value,
        user_id=user.id,
        problem_id=problem_id,
        language=language,
        age_group=user.age_group,
        code=code,
        stdin=stdin,
        limits=limits,
        status=JobStatus.PENDING.value,
        attempts=0,
        # when the learner sent it, by the clock challenge windows are judged by (a contest
        # counts the solves made inside its window; progress is dated by this too)
        created_at=clock.now(),
        # optimistic: reset to NULL if sending fails, so the sweeper sends it
        enqueued_at=now,
    )


async def admit(
    session: AsyncSession, settings: Settings, job: ExecutionJob, concurrency: int
) -> ExecutionJob:
    """Add the job if its queue and its owner have room (else 503 / 429: the caller's
    transaction rolls back, nothing is created).

    `session` is the request's transaction, begun as a writer (SQLite: BEGIN IMMEDIATE, so the
    write lock is held from its first statement; PostgreSQL: advisory locks per queue and per
    user), so concurrent admissions are serialised and the counts are exact. The edge commits
    it right after this returns and before the job is sent, so no transaction is held while the
    job runs.
    """
    await repository.lock_admission(session, f"job-user:{job.user_id}", f"job-q:{job.queue}")
    await repository.add(session, job)
    pending, active = await repository.admission_counts(session, job.queue, job.user_id)
    if pending > settings.max_pending_jobs:
        metrics.REJECTIONS.labels(job.queue, "queue_full").inc()
        retry = max(1, math.ceil(pending / max(1, concurrency)))
        raise QueueFull(
            "the queue is full, try again in a moment",
            headers={"Retry-After": str(min(retry, 60))},
        )
    if active > settings.max_user_pending_jobs:
        metrics.REJECTIONS.labels(job.queue, "user_cap").inc()
        raise TooManyJobs(
            f"you already have {active - 1} programs waiting to run; wait for one to finish",
            headers={"Retry-After": "2"},
        )
    return job


# verdicts that may differ on a second run of the same code (a busy machine, our own failure)
NOT_REUSED_VERDICTS = frozenset(verdict.value for verdict in UNSTEADY_VERDICTS)


async def identical_submission(
    session: AsyncSession, settings: Settings, job: ExecutionJob
) -> ExecutionJob | None:
    """A finished submission of the very same code, to the same version of the problem, by the
    same learner within `CODERUNNER_RESUBMIT_WINDOW_S`: its result stands, nothing runs again."""
    if settings.resubmit_window_s <= 0 or job.problem_id is None:
        return None
    since = utcnow() - timedelta(seconds=settings.resubmit_window_s)
    return await repository.identical_submission(session, job, since, NOT_REUSED_VERDICTS)


def can_read(user: User, job: ExecutionJob) -> bool:
    return job.user_id == user.id or user.role == Role.ADMIN


async def job_for(session: AsyncSession, user: User, job_id: str) -> ExecutionJob:
    """The job if `user` may read it; 404 otherwise (ids can't be probed)."""
    job = await repository.get(session, job_id) if len(job_id) <= 36 else None
    if job is None or not can_read(user, job):
        raise NotFound("no such job")
    return job


async def console_for(session: AsyncSession, user: User, job_id: str) -> ExecutionJob:
    """A console job of `user`'s own: nobody else attaches to it, not even an admin (404)."""
    job = await repository.get(session, job_id) if len(job_id) <= 36 else None
    if job is None or job.user_id != user.id or job.type != JobType.CONSOLE:
        raise NotFound("no such console")
    return job


def check_answer(text: str) -> str:
    """An answer typed in the console, as the program's stdin gets it (one line)."""
    _utf8("text", text)
    return text.removesuffix("\n") + "\n"


async def cancel(session: AsyncSession, user: User, job_id: str) -> ExecutionJob:
    job = await job_for(session, user, job_id)
    if not await repository.cancel(session, job.id, utcnow()):
        raise Conflict("only a job that has not started yet can be cancelled")
    refreshed = await repository.get(session, job.id)
    assert refreshed is not None
    return refreshed


def to_out(job: ExecutionJob) -> JobOut:
    return JobOut(
        job_id=job.id,
        type=job.type,
        status=job.status,
        queue=job.queue,
        problem_id=job.problem_id,
        language=job.language,
        verdict=job.verdict,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempts=job.attempts,
        result=job.result,
        submission_result=(
            SubmissionResultOut.model_validate(job.submission_result)
            if job.submission_result
            else None
        ),
        failure_reason=job.failure_reason,
    )
