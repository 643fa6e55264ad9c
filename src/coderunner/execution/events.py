"""Job status fan-out: in-process pub/sub, plus a Redis channel per job when REDIS_URL is set.

A message says "job X changed to status S"; listeners re-read the row (the source of truth), so
a lost or duplicated message never shows a wrong state, and listeners also poll. Subscribe before
reading the row, so no change between the read and the subscription is missed.

One exception saves that read on the hot path: in the process whose worker finished the job, the
message carries the row as that worker committed it (`JobEvent.job`). A finished job never
changes again, so that copy is the row.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis

from coderunner.execution.models import ExecutionJob

log = structlog.get_logger("coderunner.execution.events")

# subscribe to this instead of a job id to hear about every job (e.g. a class dashboard)
ANY_JOB = "*"


@dataclass(frozen=True, slots=True)
class JobEvent:
    status: str
    job: ExecutionJob | None = None  # the committed row of a finished job, in-process only
    job_id: str = ""  # which job (listeners of ANY_JOB need it to tell jobs apart)


class EventBus:
    """In-process fan-out; `RedisEventBus` adds the cross-process channel."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[str, set[asyncio.Queue[JobEvent]]] = defaultdict(set)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def _deliver(self, job_id: str, event: JobEvent) -> None:
        for queue in list(self._subscribers.get(job_id, ())):
            queue.put_nowait(event)
        for queue in list(self._subscribers.get(ANY_JOB, ())):
            queue.put_nowait(event)

    async def publish(self, job_id: str, status: str, job: ExecutionJob | None = None) -> None:
        """Tell listeners; `job`: the row just committed, when the job has finished."""
        self._deliver(job_id, JobEvent(status, job, job_id))

    @contextlib.asynccontextmanager
    async def subscribe(self, job_id: str) -> AsyncIterator[asyncio.Queue[JobEvent]]:
        queue: asyncio.Queue[JobEvent] = asyncio.Queue()
        self._subscribers[job_id].add(queue)
        try:
            yield queue
        finally:
            subscribers = self._subscribers.get(job_id)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[job_id]


class RedisEventBus(EventBus):
    """Publishes on `<prefix>:job:<id>`; one pattern subscription per process feeds listeners."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        super().__init__()
        self.redis: Redis = Redis.from_url(redis_url)
        self.prefix = f"{prefix}:job:"
        self._reader: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def channel(self, job_id: str) -> str:
        return self.prefix + job_id

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read_forever(), name="job-events-reader")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            # wait() never raises the reader's CancelledError, so one aimed at the caller (a boot
            # cancelled at shutdown) still reaches it: suppressing it here kept a retrying
            # boot loop alive after shutdown for as long as Redis stayed down
            await asyncio.wait([self._reader])
        await self.redis.aclose()

    async def publish(self, job_id: str, status: str, job: ExecutionJob | None = None) -> None:
        self._deliver(job_id, JobEvent(status, job, job_id))
        try:
            await self.redis.publish(self.channel(job_id), status)
        except Exception as exc:  # noqa: BLE001 - transport down: listeners poll the row too
            log.warning("job_event_publish_failed", job_id=job_id, error=type(exc).__name__)

    async def _read_forever(self) -> None:
        delay = 0.2
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.psubscribe(self.prefix + "*")
                    self.connected.set()
                    delay = 0.2
                    async for message in pubsub.listen():
                        channel = message.get("channel")
                        data = message.get("data")
                        if isinstance(channel, bytes) and isinstance(data, bytes):
                            job_id = channel.decode()[len(self.prefix) :]
                            self._deliver(
                                job_id, JobEvent(data.decode(errors="replace"), job_id=job_id)
                            )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the reader reconnects after any failure
                self.connected.clear()
                log.warning("job_events_reconnecting", error=type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)


def build_event_bus(redis_url: str | None, prefix: str) -> EventBus:
    return RedisEventBus(redis_url, prefix) if redis_url else EventBus()
