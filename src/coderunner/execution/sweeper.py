"""The sweeper: no job is lost or stuck.

Every few seconds, in every worker process and in embedded mode:
- processing jobs whose heartbeat is older than `job_stale_s` (their worker died) go back to
  pending and are re-sent, or fail with a reason once they used `job_max_attempts`;
- pending jobs never sent (the queue was down at enqueue time) or, on Redis, sent longer than
  `job_stale_s` ago (the message may be lost, e.g. Redis restarted) are re-sent;
- the queue-depth gauges are refreshed;
- every minute: dead workers' cgroups on this host are removed, and on Redis the consumers of
  stopped processes (idle, nothing pending) and the stream entries every consumer finished.
On start-up every pending job of our queues is re-sent. Duplicates are harmless: a message
whose job is no longer pending is acknowledged without effect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coderunner.config import Settings
from coderunner.db.base import utcnow
from coderunner.execution import metrics, repository
from coderunner.execution.events import EventBus
from coderunner.execution.models import JobStatus
from coderunner.sandbox import sweep_stale_cgroups

log = structlog.get_logger("coderunner.execution.sweeper")

Kick = Callable[[str, str], Awaitable[None]]
Tidy = Callable[[int], Awaitable[dict[str, int]]]
LOCAL_GRACE_S = 2.0
TIDY_EVERY_S = 60.0  # stale consumers, finished stream entries, dead workers' cgroups
STALE_CONSUMER_IDLE_S = 600.0


def sweep_interval(settings: Settings) -> float:
    return max(0.5, min(5.0, settings.job_heartbeat_s))


class Sweeper:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        events: EventBus,
        kick: Kick,
        queues: list[str],
        *,
        resend_lost: bool,
        held_locally: Callable[[], dict[str, int]] | None = None,
        tidy: Tidy | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.events = events
        self.kick = kick
        self.queues = queues
        # in-memory transports lose messages only with the process, which start-up covers
        self.resend_lost = resend_lost
        # in-memory transports: per queue, the wake-ups this process holds that take a job yet
        self.held_locally = held_locally
        # the transport's housekeeping (Redis: stale consumers, finished stream entries)
        self.tidy = tidy
        self._task: asyncio.Task[None] | None = None

    async def send(self, jobs: list[tuple[str, str]], reason: str) -> int:
        """Send these (id, queue) jobs and record when; returns how many went out."""
        sent: list[str] = []
        for job_id, queue in jobs:
            try:
                await self.kick(queue, job_id)
            except Exception as exc:  # noqa: BLE001 - transport down: the next sweep retries
                log.warning("job_send_failed", job_id=job_id, error=type(exc).__name__)
                break  # the transport is down: the next sweep tries again
            sent.append(job_id)
            metrics.REQUEUES.labels(queue, reason).inc()
        if sent:
            async with self.sessionmaker() as session:
                await repository.mark_enqueued(session, sent, utcnow())
                await session.commit()
        return len(sent)

    async def resend_all_pending(self, reason: str = "startup") -> int:
        async with self.sessionmaker() as session:
            jobs = await repository.all_pending_ids(session, self.queues)
        return await self.send(jobs, reason)

    async def resend_queue(self, queue: str) -> None:
        """After a transport reconnect: every pending job of `queue` again."""
        async with self.sessionmaker() as session:
            jobs = await repository.all_pending_ids(session, [queue])
        await self.send(jobs, "reconnect")

    async def sweep(self) -> None:
        now = utcnow()
        stale_before = now - timedelta(seconds=self.settings.job_stale_s)
        async with self.sessionmaker() as session:
            stale = await repository.stale_processing(session, stale_before)
        for job_id, queue, attempts, heartbeat_at in stale:
            await self._recover(job_id, queue, attempts, heartbeat_at)
        async with self.sessionmaker() as session:
            if self.resend_lost:
                lost = await repository.pending_ids(session, self.queues, stale_before)
            else:
                # in-process queue: each wake-up takes one job (whichever is next in turn), so
                # pending jobs beyond the wake-ups held here lost theirs (e.g. a handler hit a
                # database error before its claim); a job younger than the grace may be on
                # its way and is not counted
                grace = now - timedelta(seconds=LOCAL_GRACE_S)
                held = self.held_locally() if self.held_locally is not None else {}
                waiting = await repository.pending_ids(session, self.queues, grace)
                lost = []
                for queue in self.queues:
                    jobs = [(i, q) for i, q in waiting if q == queue]
                    lost += jobs[held.get(queue, 0) :]
        if lost:
            await self.send(lost, "lost")
        await self.refresh_depths()

    async def _recover(self, job_id: str, queue: str, attempts: int, hb: datetime | None) -> None:
        async with self.sessionmaker() as session:
            if attempts < self.settings.job_max_attempts:
                done = await repository.requeue_stale(session, job_id, hb)
                status = JobStatus.PENDING.value
            else:
                reason = (
                    f"the worker running this code stopped responding {attempts} times; giving up"
                )
                done = await repository.fail_stale(session, job_id, hb, reason, utcnow())
                status = JobStatus.FAILED.value
            await session.commit()
        if not done:
            return
        log.warning("stale_job_recovered", job_id=job_id, attempts=attempts, status=status)
        await self.events.publish(job_id, status)
        if status == JobStatus.PENDING.value:
            await self.send([(job_id, queue)], "stale")
        else:
            metrics.JOBS.labels(queue, status).inc()
            metrics.SANDBOX_FAILURES.labels(queue, "worker_lost").inc()

    async def refresh_depths(self) -> None:
        async with self.sessionmaker() as session:
            depths = await repository.depths(session)
        metrics.set_depths(depths, self.queues)

    async def housekeeping(self) -> None:
        """Bound what grows with restarts: dead workers' cgroups on this host, consumers of
        stopped processes and finished entries in the Redis streams."""
        await asyncio.to_thread(sweep_stale_cgroups)
        if self.tidy is not None:
            done = await self.tidy(int(STALE_CONSUMER_IDLE_S * 1000))
            if any(done.values()):
                log.info("streams_tidied", **done)

    async def run_forever(self) -> None:
        interval = sweep_interval(self.settings)
        loop = asyncio.get_running_loop()
        next_tidy = loop.time() + TIDY_EVERY_S
        while True:
            try:
                await self.sweep()
                if loop.time() >= next_tidy:
                    next_tidy = loop.time() + TIDY_EVERY_S
                    await self.housekeeping()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the sweeper outlives any failed sweep
                log.warning("sweep_failed", error=repr(exc))
            await asyncio.sleep(interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run_forever(), name="job-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
