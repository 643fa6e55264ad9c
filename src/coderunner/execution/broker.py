"""Queue transports (taskiq): one broker per queue; a message carries only the job id.

Embedded: `InMemoryBroker`, the job runs as a task of the API's own event loop. Scaled out:
`RedisStreamBroker` on `<prefix>:<queue>` with one consumer group for all workers; consumers
run `Receiver(broker, max_async_tasks=concurrency).listen(finish_event)`. The jobs table stays
the source of truth: a lost message is re-sent by the sweeper, a duplicate one finds its job
already claimed and is acknowledged without effect.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from redis.asyncio import Redis
from taskiq import AsyncBroker, InMemoryBroker
from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver
from taskiq_redis import RedisStreamBroker

from coderunner.config import Settings
from coderunner.execution.models import QueueName
from coderunner.execution.stream_broker import StreamBroker

log = structlog.get_logger("coderunner.execution.broker")

TASK_NAME = "coderunner.execution.process_job"
# (queue, job id)
Handler = Callable[[str, str], Awaitable[None]]
# a hard cap as a backstop; finished entries are trimmed by `JobQueues.tidy` long before it
STREAM_MAXLEN = 10_000


def concurrency_of(settings: Settings, queue: str) -> int:
    if queue == QueueName.SUBMISSION:
        return settings.submission_concurrency
    if queue == QueueName.CONSOLE:
        return settings.console_concurrency
    return settings.execution_concurrency


def rate_of(settings: Settings, queue: str) -> float:
    """Jobs started per second: a console is a Run, started at the Run rate (its own budget)."""
    if queue == QueueName.SUBMISSION:
        return settings.submission_rate_limit
    return settings.execution_rate_limit


def stream_name(settings: Settings, queue: str) -> str:
    return f"{settings.redis_prefix}:{queue}"


def _build_broker(settings: Settings, queue: str, concurrency: int) -> AsyncBroker:
    if settings.redis_url:
        stale_ms = int(settings.job_stale_s * 1000)
        return StreamBroker(
            settings.redis_url,
            queue_name=stream_name(settings, queue),
            consumer_group_name=f"{settings.redis_prefix}:workers",
            # a group created after a Redis restart reads what was added before it existed
            consumer_id="0",
            maxlen=STREAM_MAXLEN,
            xread_block=1000,
            xread_count=concurrency,
            # reclaim messages of dead consumers after the heartbeat staleness, never wait on
            # a lock a dead consumer held
            idle_timeout=stale_ms,
            unacknowledged_lock_timeout=max(1.0, settings.job_stale_s),
        )
    return InMemoryBroker(max_async_tasks=concurrency, propagate_exceptions=False)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def _finished_floor(redis: Redis, stream: str, group: str) -> str | None:
    """The lowest entry id still needed: the oldest pending one, else the first not yet
    delivered to the group. Everything below it was delivered and acknowledged."""
    groups = [g for g in await redis.xinfo_groups(stream) if _text(g["name"]) == group]
    if not groups:
        return None
    last = _text(groups[0]["last-delivered-id"])
    if last in ("0-0", "0"):
        return None
    pending = await redis.xpending(stream, group)
    if pending and pending.get("pending"):
        return _text(pending["min"])
    ms, _, seq = last.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


class JobQueues:
    """The brokers of the given queues; `kick(queue, job_id)` sends, `consume` receives."""

    def __init__(
        self,
        settings: Settings,
        handler: Handler,
        queues: list[str] | None = None,
        concurrency: dict[str, int] | None = None,
    ) -> None:
        self.settings = settings
        self.queues = queues or [q.value for q in QueueName]
        self.concurrency = {
            q: (concurrency or {}).get(q) or concurrency_of(settings, q) for q in self.queues
        }
        self.brokers: dict[str, AsyncBroker] = {}
        self._tasks: dict[str, Any] = {}
        self._handler = handler
        for queue in self.queues:
            broker = _build_broker(settings, queue, self.concurrency[queue])
            self._tasks[queue] = broker.register_task(
                self._task_function(queue), task_name=TASK_NAME
            )
            self.brokers[queue] = broker

    @property
    def distributed(self) -> bool:
        return bool(self.settings.redis_url)

    def _task_function(self, queue: str) -> Callable[[str], Awaitable[None]]:
        handler = self._handler

        async def process_job(job_id: str) -> None:
            await handler(queue, job_id)

        return process_job

    async def startup(self) -> None:
        for broker in self.brokers.values():
            await broker.startup()

    async def shutdown(self) -> None:
        await self.remove_own_consumers()
        for broker in self.brokers.values():
            try:
                await broker.shutdown()
            except Exception:
                log.exception("broker_shutdown_failed")

    def _streams(self) -> list[RedisStreamBroker]:
        return [b for b in self.brokers.values() if isinstance(b, RedisStreamBroker)]

    async def remove_own_consumers(self) -> None:
        """On shutdown: delete this process's consumer from each group, unless it still holds
        pending messages (deleting it would orphan them; the sweeper removes it once empty)."""
        for broker in self._streams():
            try:
                async with Redis(connection_pool=broker.connection_pool) as redis:
                    for consumer in await redis.xinfo_consumers(
                        broker.queue_name, broker.consumer_group_name
                    ):
                        if (
                            _text(consumer["name"]) == broker.consumer_name
                            and not consumer["pending"]
                        ):
                            await redis.xgroup_delconsumer(
                                broker.queue_name, broker.consumer_group_name, broker.consumer_name
                            )
            except Exception as exc:  # noqa: BLE001 - shutdown goes on; the tidy removes it later
                log.warning("consumer_remove_failed", queue=broker.queue_name, error=repr(exc))

    async def tidy(self, stale_consumer_idle_ms: int) -> dict[str, int]:
        """Bound the streams' state: delete consumers idle longer than `stale_consumer_idle_ms`
        with nothing pending (processes that died or stopped), and trim entries that every
        consumer has finished (XTRIM MINID below the oldest pending and undelivered entry; never
        pending work). Returns how many consumers and entries went, for the log."""
        removed = trimmed = 0
        for broker in self._streams():
            stream, group = broker.queue_name, broker.consumer_group_name
            async with Redis(connection_pool=broker.connection_pool) as redis:
                for consumer in await redis.xinfo_consumers(stream, group):
                    name = _text(consumer["name"])
                    if (
                        name != broker.consumer_name
                        and not consumer["pending"]
                        and int(consumer["idle"]) > stale_consumer_idle_ms
                    ):
                        removed += int(await redis.xgroup_delconsumer(stream, group, name) >= 0)
                floor = await _finished_floor(redis, stream, group)
                if floor is not None:
                    trimmed += int(await redis.xtrim(stream, minid=floor, approximate=False))
        return {"consumers": removed, "entries": trimmed}

    async def kick(self, queue: str, job_id: str) -> None:
        """Send one job id. Raises when the transport is down (the sweeper re-sends later)."""
        await self._tasks[queue].kiq(job_id)

    async def drain_local(self) -> None:
        """Wait for the in-process tasks of in-memory brokers (embedded shutdown)."""
        for broker in self.brokers.values():
            if isinstance(broker, InMemoryBroker):
                await broker.wait_all()

    async def consume(
        self,
        queue: str,
        finish_event: asyncio.Event,
        wait_tasks_timeout: float,
        on_restart: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        """Receive from a Redis stream until `finish_event` is set; reconnect on errors.

        On shutdown the receiver stops fetching and waits up to `wait_tasks_timeout` for the
        jobs it started.
        """
        broker = self.brokers[queue]
        if isinstance(broker, InMemoryBroker):
            raise RuntimeError("in-memory brokers run their tasks on kick; nothing to consume")
        delay = 0.2
        first = True
        while not finish_event.is_set():
            receiver = Receiver(
                broker,
                max_async_tasks=self.concurrency[queue],
                ack_type=AcknowledgeType.WHEN_EXECUTED,
                run_startup=not first,
                wait_tasks_timeout=wait_tasks_timeout,
                propagate_exceptions=False,
            )
            try:
                if not first and on_restart is not None:
                    await on_restart(queue)
                await receiver.listen(finish_event)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the listener outlives any failure
                log.warning("queue_listen_failed", queue=queue, error=repr(exc), retry_in=delay)
                first = False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(finish_event.wait(), delay)
                delay = min(delay * 2, 5.0)
