"""The job processor: claim a pending job, run it in the sandbox (in a thread), write the result.

One job is one claim (`UPDATE … WHERE status='pending'`), a heartbeat while it runs, and one
transaction for its result (and, for a submission, the learner's progress). Every later write is
guarded by the claim (worker id and attempt), so a worker that lost its job to the sweeper can
never overwrite what another worker wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coderunner.auth import repository as auth_repository
from coderunner.celebrations import service as celebrations
from coderunner.config import Settings
from coderunner.db.base import utcnow
from coderunner.db.engine import begin_write
from coderunner.execution import metrics, repository
from coderunner.execution.console import console_limits, console_outcome, run_console
from coderunner.execution.console_channel import ConsoleChannel
from coderunner.execution.events import EventBus
from coderunner.execution.explaining import explanation_for
from coderunner.execution.grading import submission_result
from coderunner.execution.models import ExecutionJob, JobStatus, JobType
from coderunner.execution.stepping import trace_result
from coderunner.execution.throttle import QueueThrottle
from coderunner.grading.grader import Comparison, TestSpec, grade, grading_limits
from coderunner.grading.schemas import DRAWING
from coderunner.kernel.errors import NotFound
from coderunner.kernel.verdicts import Verdict
from coderunner.progress.service import record_submission
from coderunner.sandbox import (
    RunResult,
    Sandbox,
    SandboxUnavailableError,
    UnknownLanguageError,
    get_sandbox,
)
from coderunner.sandbox import Verdict as RunVerdict

log = structlog.get_logger("coderunner.execution.worker")

Requeue = Callable[[str, str], Awaitable[None]]

RESULT_RETRY_FIRST_S = 0.2
RESULT_RETRY_MAX_S = 3.0


def result_write_budget(settings: Settings) -> float:
    """How long a finished job's result write is retried: outlasts a database blip of several
    seconds (at least the claim's staleness); the sweeper is the backstop after that."""
    return max(10.0, settings.job_stale_s)


def _raise_failure(task: asyncio.Task[Any]) -> None:
    """Raise what a finished helper task (a heartbeat) failed with, as awaiting it would."""
    if not task.cancelled() and (error := task.exception()) is not None:
        raise error


@dataclass(frozen=True, slots=True)
class Claim:
    job_id: str
    queue: str
    attempt: int
    job: ExecutionJob = field(compare=False, repr=False)  # the row as claimed (detached)


@dataclass(slots=True)
class Work:
    type: str
    user_id: str
    problem_id: str | None
    code: str
    language: str
    stdin: str
    requested: dict[str, Any]
    age_group: str | None
    tests: list[TestSpec] = field(default_factory=list)
    comparison: Comparison = field(default_factory=Comparison)
    rules: dict[str, Any] | None = None
    submitted_at: datetime | None = None  # dates the learner's progress (not grading's end)


@dataclass(slots=True)
class Outcome:
    status: str  # completed | failed | retry
    verdict: str | None = None
    result: dict[str, Any] | None = None
    submission_result: dict[str, Any] | None = None
    pass_rate: float = 0.0
    reason: str | None = None


def _run_result(
    run: RunResult, code: str, age_group: str | None, language: str = "python"
) -> dict[str, Any]:
    data = run.to_dict()
    data.pop("internalReason", None)
    explanation = explanation_for(run.stderr, run.verdict.value, code, age_group, language)
    if explanation is not None:
        data["explanation"] = explanation
    return data


def execute(sandbox_factory: Callable[[], Sandbox], work: Work) -> Outcome:
    """Blocking: run one job's code in the sandbox. Never raises."""
    try:
        sandbox = sandbox_factory()
        limits = grading_limits(sandbox.config, work.language, work.requested)
        if work.type == JobType.TRACE:
            traced, data = trace_result(sandbox, work.code, work.stdin, limits, work.age_group)
            if traced.verdict == RunVerdict.INTERNAL_ERROR:
                return Outcome("retry", reason=traced.internal_reason or "sandbox internal error")
            return Outcome("completed", verdict=traced.verdict.value, result=data)
        if work.type == JobType.RUN:
            run = sandbox.run(work.code, work.language, work.stdin, limits)
            if run.verdict == RunVerdict.INTERNAL_ERROR:
                return Outcome("retry", reason=run.internal_reason or "sandbox internal error")
            return Outcome(
                "completed",
                verdict=run.verdict.value,
                result=_run_result(run, work.code, work.age_group, work.language),
            )
        graded = grade(
            sandbox, work.code, work.language, work.tests, work.comparison, limits, work.rules
        )
        if graded.internal_error is not None:
            return Outcome("retry", reason=graded.internal_error)
        return Outcome(
            "completed",
            verdict=graded.verdict.value,
            submission_result=submission_result(graded, work.code, work.age_group, work.language),
            pass_rate=graded.pass_rate,
        )
    except SandboxUnavailableError as exc:
        return Outcome("failed", reason=f"the sandbox is unavailable on this server: {exc}")
    except UnknownLanguageError as exc:
        return Outcome("failed", reason=str(exc))
    except Exception as exc:  # a platform bug: retried, then failed with the reason
        log.exception("job_execution_error")
        return Outcome("retry", reason=f"internal error: {type(exc).__name__}")


FAIR_RETRY_S = 0.25
# an owner's starts on a queue older than this no longer delay their next job (the turn order)
FAIR_MEMORY_S = 600.0
# claims that lost their job to a racing worker (PostgreSQL) before the wake-up is deferred
CLAIM_TRIES = 3


def fair_share(concurrency: int) -> int:
    """How many of a queue's `concurrency` workers one user's jobs may hold at once: half,
    rounded up, so another learner's job always finds a free worker (one worker: that one)."""
    return max(1, math.ceil(concurrency / 2))


class JobProcessor:
    """Processes job ids from any transport; concurrency, rate limit and claims per queue."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        events: EventBus,
        *,
        worker_id: str,
        concurrency: dict[str, int],
        rates: dict[str, float],
        sandbox_factory: Callable[[], Sandbox] = get_sandbox,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.events = events
        self.worker_id = worker_id
        self.sandbox_factory = sandbox_factory
        self.semaphores = {q: asyncio.Semaphore(n) for q, n in concurrency.items()}
        # fair share: one user's jobs hold at most this many of a queue's workers (see
        # docs/adr/0009-fair-queues.md); a job over it waits and is tried again
        self.user_caps = {q: fair_share(n) for q, n in concurrency.items()}
        # a thread per concurrent job: the default executor is too small to hold every queue
        self.executors = {
            q: ThreadPoolExecutor(n, thread_name_prefix=f"sandbox-{q}")
            for q, n in concurrency.items()
        }
        self.throttle = QueueThrottle(rates, settings.redis_url, settings.redis_prefix)
        self.requeue: Requeue | None = None
        self.console: ConsoleChannel | None = None  # the console's channel (the pipeline's)
        self.accepting = True
        self.running: set[asyncio.Task[Any]] = set()
        self.claims: dict[str, Claim] = {}
        # live wake-ups here per queue (waiting, retrying or running): each takes one job, so a
        # queue with more pending jobs than wake-ups lost some (the in-memory sweeper's check)
        self.waking: Counter[str] = Counter()

    # the task entry point ---------------------------------------------------------------------

    async def handle(self, queue: str, job_id: str, *, retry: bool = False) -> None:
        """One message: a wake-up for the queue. It takes the queue's next job in turn, which
        need not be `job_id` (ADR 0019): each message takes one job, so no job is left without
        one."""
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)
        self.waking[queue] += 1
        try:
            if await self._handle(queue, retry=retry) and self.accepting:
                self._retry_later(queue, job_id)
        except asyncio.CancelledError:
            raise
        except Exception:  # the job stays pending: the sweeper sends it again
            log.exception("job_handler_error", job_id=job_id)
        finally:
            self.waking[queue] -= 1
            if task is not None:
                self.running.discard(task)

    def _retry_later(self, queue: str, job_id: str) -> None:
        """Every waiting job's owner holds their share of the workers: this wake-up is tried
        again soon, outside the transport's task (which is released, so the transport keeps
        delivering other learners' jobs)."""

        async def again() -> None:
            self.waking[queue] += 1
            try:
                await asyncio.sleep(FAIR_RETRY_S)
            finally:
                self.waking[queue] -= 1
            await self.handle(queue, job_id, retry=True)

        task = asyncio.get_running_loop().create_task(again())
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _has_pending(self, queue: str) -> bool:
        async with self.sessionmaker() as session:
            return await repository.pending_on(session, queue)

    async def _handle(self, queue: str, *, retry: bool = False) -> bool:
        """Run the queue's next job in turn; True when jobs wait but none may start now (each
        owner at their share): the wake-up is deferred."""
        if not self.accepting or queue not in self.semaphores:
            return False
        async with self.semaphores[queue]:
            if not self.accepting:
                return False
            if not retry and self.throttle.items.get(queue) is not None:
                # don't spend a rate-limit slot on a wake-up with nothing to take
                if not await self._has_pending(queue):
                    return False
                waited = await self.throttle.acquire(queue)
                metrics.RATE_LIMIT_WAIT.labels(queue).observe(waited)
            claimed = await self._claim(queue)
            if claimed is None:
                # nothing waits, or every waiting job's owner is at their share: then this
                # wake-up is kept for them and the slot goes to whoever comes next
                return await self._has_pending(queue)
            claim, work = claimed
            self.claims[claim.job_id] = claim
            try:
                await self._process(claim, work)
            except asyncio.CancelledError:
                await asyncio.shield(self._release(claim, "shutdown", refund=True))
                raise
            finally:
                self.claims.pop(claim.job_id, None)
            return False

    # steps ------------------------------------------------------------------------------------

    async def _claim(self, queue: str) -> tuple[Claim, Work] | None:
        now = utcnow()
        served_since = now - timedelta(seconds=FAIR_MEMORY_S)
        for _ in range(CLAIM_TRIES):
            async with self.sessionmaker() as session:
                job, again = await repository.claim_next(
                    session, queue, self.worker_id, now, self.user_caps.get(queue, 1), served_since
                )
                if job is None:
                    await session.rollback()
                    if again:
                        continue
                    return None
                work = await self._load_work(session, job)
                await session.commit()
            metrics.JOBS.labels(queue, JobStatus.PROCESSING.value).inc()
            waited = max(0.0, (now - job.created_at).total_seconds())
            metrics.QUEUE_WAIT.labels(queue).observe(waited)
            await self.events.publish(job.id, JobStatus.PROCESSING.value)
            return Claim(job.id, queue, job.attempts, job), work
        return None

    async def _load_work(self, session: AsyncSession, job: ExecutionJob) -> Work:
        age_group = job.age_group
        if age_group is None:  # a job made before 0004, or by a learner without an age group
            user = await auth_repository.get_user(session, job.user_id)
            age_group = user.age_group if user is not None else None
        work = Work(
            type=job.type,
            user_id=job.user_id,
            problem_id=job.problem_id,
            code=job.code,
            language=job.language,
            stdin=job.stdin,
            requested=dict(job.limits or {}),
            age_group=age_group,
            submitted_at=job.created_at,
        )
        if job.type == JobType.SUBMIT and job.problem_id is not None:
            problem = await repository.problem(session, job.problem_id)
            cases = await repository.tests_of(session, job.problem_id)
            work.tests = [
                TestSpec(i, c.name or f"Test {i + 1}", c.input, c.expected_output, c.hidden, c.hint)
                for i, c in enumerate(cases)
            ]
            if problem is not None:
                work.comparison = Comparison.stored(problem.comparison)
                if work.comparison.mode == DRAWING:  # compared with the reference's drawing
                    work.comparison = replace(work.comparison, reference=problem.reference_solution)
                work.rules = dict(problem.rules) if problem.rules else None
                # the problem's limits, then the request's (runs only carry their own)
                work.requested = {**(problem.limits or {}), **work.requested}
        elif job.type == JobType.CHECK and job.draft is not None:
            # a teacher's draft problem: its tests, comparison and rules travel with the job
            # (and its limits in job.limits, as a problem's are stored)
            draft = job.draft
            work.tests = [
                TestSpec(
                    i,
                    str(t.get("name") or f"Test {i + 1}"),
                    str(t.get("input", "")),
                    str(t.get("expectedOutput", "")),
                    bool(t.get("hidden", False)),
                    t.get("hint"),
                )
                for i, t in enumerate(draft.get("tests") or [])
            ]
            work.comparison = Comparison.stored(draft.get("comparison"))
            if work.comparison.mode == DRAWING:  # the code checked is the reference itself
                work.comparison = replace(work.comparison, reference=work.code)
            work.rules = draft.get("rules") or None
        return work

    async def _heartbeat(self, claim: Claim) -> None:
        while True:
            await asyncio.sleep(self.settings.job_heartbeat_s)
            try:
                async with self.sessionmaker() as session:
                    alive = await repository.heartbeat(
                        session, claim.job_id, self.worker_id, claim.attempt, utcnow()
                    )
                    await session.commit()
            except Exception as exc:  # noqa: BLE001 - a database blip: try again next beat
                log.warning("job_heartbeat_failed", job_id=claim.job_id, error=type(exc).__name__)
                continue
            if not alive:
                log.warning("job_claim_lost", job_id=claim.job_id)
                return

    async def _process(self, claim: Claim, work: Work) -> None:
        # what the learner had before (celebrations) is read while the code runs, off the
        # result's path; a console can run for minutes, so it reads it when it ends
        early = None
        if work.type not in (JobType.CONSOLE, JobType.CHECK):
            early = asyncio.create_task(self._read_before(work), name=f"before-{claim.job_id}")
        try:
            await self._process_with(claim, work, early)
        finally:
            if early is not None:
                early.cancel()  # not needed (a retry, a failure) or done
                await asyncio.wait([early])  # as for the beat below
                if not early.cancelled():
                    early.exception()  # retrieved: a failed read was read again, or unneeded

    async def _process_with(
        self, claim: Claim, work: Work, early: asyncio.Task[celebrations.Before | None] | None
    ) -> None:
        started = time.monotonic()
        beat = asyncio.create_task(self._heartbeat(claim), name=f"heartbeat-{claim.job_id}")
        try:
            loop = asyncio.get_running_loop()
            if work.type == JobType.CONSOLE:
                outcome = await self._console(claim, work)
            else:
                outcome = await loop.run_in_executor(
                    self.executors[claim.queue], execute, self.sandbox_factory, work
                )
        finally:
            beat.cancel()
            # wait() never raises the beat's CancelledError, so a cancel aimed at this task
            # (shutdown) is not swallowed while the beat winds down
            await asyncio.wait([beat])
            _raise_failure(beat)
        if outcome.status == "retry":
            metrics.SANDBOX_FAILURES.labels(claim.queue, "internal_error").inc()
            if claim.attempt < self.settings.job_max_attempts:
                log.warning("job_retry", job_id=claim.job_id, reason=outcome.reason)
                await self._release(claim, "retry", refund=False)
                return
            outcome = Outcome(
                "failed",
                verdict=Verdict.INTERNAL_ERROR.value,
                reason=f"the platform could not run this code after {claim.attempt} attempts: "
                f"{outcome.reason}",
            )
        elif outcome.status == "failed":
            metrics.SANDBOX_FAILURES.labels(claim.queue, "unavailable").inc()
        await self._finish(claim, work, outcome, early)
        metrics.RUN_TIME.labels(claim.queue).observe(time.monotonic() - started)

    async def _console(self, claim: Claim, work: Work) -> Outcome:
        """A console job (`execution.console`): never retried, see there why."""
        if self.console is None or claim.attempt > 1:
            return Outcome("failed", reason="the console was interrupted; press Run again")
        limits = console_limits(self.settings)
        try:
            sandbox = self.sandbox_factory()
            done = await run_console(
                executor=self.executors[claim.queue],
                sandbox_factory=lambda: sandbox,
                channel=self.console,
                job_id=claim.job_id,
                code=work.code,
                language=work.language,
                limits=grading_limits(sandbox.config, work.language, work.requested),
                console_limits=limits,
            )
        except SandboxUnavailableError as exc:
            return Outcome("failed", reason=f"the sandbox is unavailable on this server: {exc}")
        except UnknownLanguageError as exc:
            return Outcome("failed", reason=str(exc))
        if done.run.verdict == RunVerdict.INTERNAL_ERROR:
            reason = done.run.internal_reason or "sandbox internal error"
            return Outcome("failed", verdict=Verdict.INTERNAL_ERROR.value, reason=reason)
        verdict, result = console_outcome(done, work.code, work.age_group, work.language, limits)
        return Outcome("completed", verdict=verdict, result=result)

    async def _finish(
        self,
        claim: Claim,
        work: Work,
        outcome: Outcome,
        early: asyncio.Task[celebrations.Before | None] | None = None,
    ) -> None:
        now = utcnow()
        values: dict[str, Any] = {
            "status": outcome.status,
            "verdict": outcome.verdict,
            "result": outcome.result,
            "submission_result": outcome.submission_result,
            "failure_reason": outcome.reason,
            "finished_at": now,
            "heartbeat_at": now,
        }
        written = await self._write_result(claim, work, outcome, values, early)
        if written is None:
            return  # still failing: the sweeper hands the job to another run
        if not written:
            log.warning("job_result_discarded", job_id=claim.job_id, reason="claim lost")
            return
        metrics.JOBS.labels(claim.queue, outcome.status).inc()
        if outcome.verdict:
            metrics.VERDICTS.labels(claim.queue, outcome.verdict).inc()
        # the committed row, for listeners in this process (they need not read it back)
        finished = claim.job
        for name, value in values.items():
            setattr(finished, name, value)
        await self.events.publish(claim.job_id, outcome.status, finished)

    async def _write_result(
        self,
        claim: Claim,
        work: Work,
        outcome: Outcome,
        values: dict[str, Any],
        early: asyncio.Task[celebrations.Before | None] | None = None,
    ) -> bool | None:
        """Commit the result (and progress): True, False if the claim was lost, None if the
        database kept failing for the whole retry budget.

        A blip (a database restart, a few seconds of a full disk) must not cost the learner a
        re-run: the write is retried with a bounded back-off for `result_write_budget(settings)`
        seconds, and the claim is kept alive by heartbeats meanwhile, so the sweeper does not
        step in while the write can still succeed.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + result_write_budget(self.settings)
        delay = RESULT_RETRY_FIRST_S
        beat: asyncio.Task[None] | None = None
        try:
            while True:
                try:
                    # what the learner had before, read outside the write (while the code ran,
                    # or now): SQLite's write lock is not held for these reads (a result
                    # written meanwhile by another job of theirs can only make an event
                    # recorded twice, and events are unique)
                    before = await self._before(work, outcome, early)
                    early = None  # a retry reads it again
                    async with self.sessionmaker() as session:
                        # a writer from its first statement: after_job reads before it writes,
                        # and on SQLite a reader that then writes after another commit fails at
                        # once ("database is locked") instead of waiting its turn
                        await begin_write(session)
                        written = await repository.finish(
                            session, claim.job_id, self.worker_id, claim.attempt, **values
                        )
                        if written and outcome.status == "completed":
                            await self._record_progress(session, work, outcome)
                            if before is not None:
                                await celebrations.after_job(session, before, outcome.verdict)
                        await session.commit()
                    return written
                except Exception as exc:  # noqa: BLE001 - retried until the deadline, then logged
                    left = deadline - loop.time()
                    log.warning(
                        "job_result_write_failed",
                        job_id=claim.job_id,
                        error=repr(exc)[:300],
                        retry_in=round(min(delay, max(0.0, left)), 2) if left > 0 else None,
                    )
                    if left <= 0:
                        return None
                    if beat is None:
                        beat = asyncio.create_task(
                            self._heartbeat(claim), name=f"result-heartbeat-{claim.job_id}"
                        )
                    await asyncio.sleep(min(delay, left))
                    delay = min(delay * 2, RESULT_RETRY_MAX_S)
        finally:
            if beat is not None:
                beat.cancel()
                await asyncio.wait([beat])  # as above: never swallows a cancel aimed at us
                _raise_failure(beat)

    async def _before(
        self,
        work: Work,
        outcome: Outcome,
        early: asyncio.Task[celebrations.Before | None] | None,
    ) -> celebrations.Before | None:
        """What the learner had before this result: their celebrations are what it changes."""
        if outcome.status != "completed" or work.type == JobType.CHECK:
            return None
        if early is not None:
            with contextlib.suppress(Exception):  # that read failed: read again
                return await early
        return await self._read_before(work)

    async def _read_before(self, work: Work) -> celebrations.Before | None:
        problem_id = work.problem_id if work.type == JobType.SUBMIT else None
        async with self.sessionmaker() as reading:
            return await celebrations.before_job(reading, work.user_id, problem_id)

    async def _record_progress(self, session: AsyncSession, work: Work, outcome: Outcome) -> None:
        if work.type != JobType.SUBMIT or work.problem_id is None:
            return
        with contextlib.suppress(NotFound):  # the problem was deleted meanwhile
            await record_submission(
                session,
                work.user_id,
                work.problem_id,
                outcome.pass_rate,
                solved=outcome.verdict == Verdict.ACCEPTED,
                submitted_at=work.submitted_at,
            )

    async def _release(self, claim: Claim, reason: str, *, refund: bool) -> None:
        try:
            async with self.sessionmaker() as session:
                released = await repository.release(
                    session, claim.job_id, self.worker_id, claim.attempt, refund=refund
                )
                await session.commit()
        except Exception as exc:  # noqa: BLE001 - the sweeper reclaims an unreleased job
            log.warning("job_release_failed", job_id=claim.job_id, error=repr(exc))
            return
        if not released:
            return
        metrics.REQUEUES.labels(claim.queue, reason).inc()
        await self.events.publish(claim.job_id, JobStatus.PENDING.value)
        if self.requeue is not None and reason == "retry":
            await self.requeue(claim.queue, claim.job_id)

    # shutdown -------------------------------------------------------------------------------

    async def drain(self, deadline_s: float) -> list[Claim]:
        """Stop taking jobs; wait up to `deadline_s` for running ones, then give them back.

        Returns the claims that were given back (pending again, for another worker).
        """
        self.accepting = False
        pending = {t for t in self.running if not t.done()}
        if pending:
            await asyncio.wait(pending, timeout=deadline_s)
        released = list(self.claims.values())
        leftovers = [t for t in self.running if not t.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            await asyncio.wait(leftovers, timeout=5)
        return released

    def close(self) -> None:
        for executor in self.executors.values():
            executor.shutdown(wait=False, cancel_futures=True)
