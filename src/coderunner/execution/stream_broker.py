"""taskiq-redis's stream broker with a listener that never leaves a connection checked out.

Upstream's `RedisStreamBroker.listen` reclaims a dead consumer's messages through a pipeline
it never closes, holding a lock whose script `Pipeline.execute` loads before its own
`try/finally`: when Redis fails right then (an outage, a restart), the pipeline keeps its
connection, the pool never gets it back, and the pipeline's finalizer warns "Unclosed client
session" at some later collection (redis 8.1, taskiq-redis 1.2.4). That lock cannot work in a
pipeline anyway (its SET and release are only queued, so every consumer "holds" it), and
XAUTOCLAIM is atomic on its own: two consumers reclaiming at once split the messages.

This listener reads and reclaims with plain client calls on the one connection it holds,
released by `async with` whatever happens. Everything else (kick, startup, consumer group) is
upstream's. It uses the broker's public attributes as taskiq-redis 1.2 names them; the
dependency is bounded below 1.3 for that.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker


class StreamBroker(RedisStreamBroker):
    """A Redis stream consumer (one consumer group for all workers)."""

    def _ack(self, stream: Any, entry_id: Any) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            async with Redis(connection_pool=self.connection_pool) as redis:
                await redis.xack(stream, self.consumer_group_name, entry_id)

        return ack

    def _messages(self, entries: Any, stream: Any) -> list[AckableMessage]:
        # an entry trimmed while pending may come back without fields: nothing to run
        return [
            AckableMessage(data=fields[b"data"], ack=self._ack(stream, entry_id))
            for entry_id, fields in entries or []
            if fields and b"data" in fields
        ]

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """New messages, then (after a round that had some) those idle past `idle_timeout`
        in a dead consumer's hands, as upstream orders them."""
        streams = [self.queue_name, *self.additional_streams.keys()]
        reading: dict[Any, Any] = {self.queue_name: ">", **self.additional_streams}
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                fetched: Any = await redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    reading,
                    block=self.block,
                    noack=False,
                    count=self.count,
                )
                if not fetched:
                    continue
                for stream, entries in fetched:
                    for message in self._messages(entries, stream):
                        yield message
                for stream in streams:
                    claimed: Any = await redis.xautoclaim(
                        name=stream,
                        groupname=self.consumer_group_name,
                        consumername=self.consumer_name,
                        min_idle_time=self.idle_timeout,
                        count=self.unacknowledged_batch_size,
                    )
                    for message in self._messages(claimed[1], stream):
                        yield message
