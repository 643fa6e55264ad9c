"""The pipeline of one process: transport, events, and (when it runs jobs) processor + sweeper."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coderunner.config import Settings
from coderunner.execution import repository
from coderunner.execution.broker import JobQueues, concurrency_of, rate_of
from coderunner.execution.console_channel import ConsoleChannel, build_console_channel
from coderunner.execution.events import EventBus, JobEvent, build_event_bus
from coderunner.execution.models import TERMINAL, ExecutionJob, JobStatus, QueueName
from coderunner.execution.sweeper import Sweeper
from coderunner.execution.worker import JobProcessor

log = structlog.get_logger("coderunner.execution")

POLL_S = 1.0


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Options:
    wait_s: float = 10.0  # ?wait=true answers within this
    events_cap_s: float = 300.0  # an SSE stream ends after this
    events_ping_s: float = 15.0
    shutdown_deadline_s: float = 20.0  # finish in-flight jobs within this on shutdown

    @classmethod
    def from_settings(cls, settings: Settings) -> Options:
        return cls(
            wait_s=settings.execution_wait_s,
            events_cap_s=settings.execution_events_cap_s,
            shutdown_deadline_s=settings.worker_shutdown_deadline_s,
        )


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        run_jobs: bool,
        queues: list[str] | None = None,
        concurrency: dict[str, int] | None = None,
        options: Options | None = None,
        events: EventBus | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.options = options or Options.from_settings(settings)
        self.run_jobs = run_jobs
        self.events = events or build_event_bus(settings.redis_url, settings.redis_prefix)
        self.console: ConsoleChannel = build_console_channel(
            settings.redis_url, settings.redis_prefix, settings.console_session_s
        )
        names = queues or [q.value for q in QueueName]
        sizes = {q: (concurrency or {}).get(q) or concurrency_of(settings, q) for q in names}
        self.worker_id = new_worker_id()
        self.processor: JobProcessor | None = None
        if run_jobs:
            self.processor = JobProcessor(
                settings,
                sessionmaker,
                self.events,
                worker_id=self.worker_id,
                concurrency=sizes,
                rates={q: rate_of(settings, q) for q in names},
            )
        self.queues = JobQueues(settings, self._handle, names, sizes)
        if self.processor is not None:
            self.processor.requeue = self.queues.kick
            self.processor.console = self.console
        self._finish = asyncio.Event()
        self._consumers: list[asyncio.Task[None]] = []
        self.sweeper = Sweeper(
            settings,
            sessionmaker,
            self.events,
            self.queues.kick,
            names,
            resend_lost=self.queues.distributed,
            held_locally=self._held,
            tidy=self.queues.tidy if self.queues.distributed else None,
        )

    def _held(self) -> dict[str, int]:
        """Per queue, the wake-ups here that have not taken a job yet."""
        if self.processor is None:
            return {}
        held = dict(self.processor.waking)
        for claim in self.processor.claims.values():
            held[claim.queue] = held.get(claim.queue, 0) - 1
        return held

    async def _handle(self, queue: str, job_id: str) -> None:
        if self.processor is not None:
            await self.processor.handle(queue, job_id)

    @property
    def can_run(self) -> bool:
        """Whether jobs sent from here reach a worker (this process, or any on Redis)."""
        return self.run_jobs or self.queues.distributed

    def concurrency(self, queue: str) -> int:
        return self.queues.concurrency.get(queue) or concurrency_of(self.settings, queue)

    async def start(self) -> None:
        """Open the transport; when this process runs jobs: re-send pending jobs, start the
        sweeper and, on Redis, the stream consumers."""
        await self.events.start()
        await self.queues.startup()
        if not self.run_jobs:
            return
        sent = await self.sweeper.resend_all_pending()
        if sent:
            log.info("pending_jobs_resent", count=sent)
        self.sweeper.start()
        if self.queues.distributed:
            self._consumers = [
                asyncio.create_task(
                    self.queues.consume(
                        queue,
                        self._finish,
                        self.options.shutdown_deadline_s,
                        on_restart=self.sweeper.resend_queue,
                    ),
                    name=f"consume-{queue}",
                )
                for queue in self.queues.queues
            ]

    async def stop(self) -> None:
        """Stop taking jobs, let running ones finish within the deadline, give back the rest."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.shutdown_deadline_s
        await self.sweeper.stop()
        if self.processor is not None:
            self.processor.accepting = False
        self._finish.set()
        if self._consumers:
            # the receivers wait for their running jobs up to the deadline
            _done, late = await asyncio.wait(
                self._consumers, timeout=self.options.shutdown_deadline_s + 5
            )
            for task in late:
                task.cancel()
            await asyncio.gather(*self._consumers, return_exceptions=True)
            self._consumers = []
        if self.processor is not None:
            released = await self.processor.drain(max(0.5, deadline - loop.time()))
            if released and self.queues.distributed:
                await self.sweeper.send([(c.job_id, c.queue) for c in released], "shutdown")
            self.processor.close()
        await self.queues.shutdown()
        await self.events.stop()
        await self.console.stop()

    async def enqueue(self, job: ExecutionJob) -> None:
        """Send a committed job; if the transport is down the sweeper sends it later."""
        try:
            await self.queues.kick(job.queue, job.id)
        except Exception as exc:  # noqa: BLE001 - transport down: the sweeper sends it later
            log.warning("job_enqueue_failed", job_id=job.id, error=type(exc).__name__)
            async with self.sessionmaker() as session:
                await repository.mark_unsent(session, job.id)
                await session.commit()

    async def read(self, job_id: str) -> ExecutionJob | None:
        async with self.sessionmaker() as session:
            return await repository.get(session, job_id)

    async def wait_finished(
        self, job_id: str, changes: asyncio.Queue[JobEvent], within_s: float
    ) -> ExecutionJob | None:
        """The job once finished, or as it is after `within_s` seconds.

        `changes` must be subscribed before the job was sent. When a message says the job
        finished, its row is the message's copy (this process's worker finished it) or is read;
        it is also read every POLL_S in case a message was lost.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return await self.read(job_id)
            try:
                event: JobEvent | None = await asyncio.wait_for(
                    changes.get(), min(POLL_S, remaining)
                )
            except TimeoutError:
                event = None
            if event is not None and event.job is not None and event.status in TERMINAL:
                return event.job
            if event is None or event.status in TERMINAL:
                job = await self.read(job_id)
                if job is None or job.status in TERMINAL:
                    return job


def is_terminal(status: str) -> bool:
    return status in (JobStatus.COMPLETED.value, JobStatus.FAILED.value)
