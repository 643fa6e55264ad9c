"""State that grows with restarts stays bounded: stream entries, Redis consumers, log files."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

import pytest
from redis.asyncio import Redis
from taskiq_redis import RedisStreamBroker

from coderunner.config import Settings
from coderunner.execution.broker import JobQueues, stream_name
from coderunner.execution.events import EventBus
from coderunner.execution.sweeper import Sweeper
from coderunner.logs import prune_log_files
from coderunner.sandbox import get_sandbox
from tests.support.app import make_settings
from tests.support.env import REDIS_URL

# a stream's entries as redis-py returns them without decode_responses: (id, fields)
Entries = list[tuple[bytes, dict[bytes, bytes]]]


async def _nothing(queue: str, job_id: str) -> None:
    return None


async def _kick(queue: str, job_id: str) -> None:
    return None


@pytest.mark.redis
async def test_tidy_trims_finished_entries_and_stale_consumers_never_pending(
    sqlite_url: str, tmp_path: Path
) -> None:
    prefix = f"crtest-tidy-{secrets.token_hex(4)}"
    settings = make_settings(
        sqlite_url, tmp_path / "data", redis_url=REDIS_URL, redis_prefix=prefix
    )
    queues = JobQueues(settings, _nothing, ["code-execution"])
    stream = stream_name(settings, "code-execution")
    group = f"{prefix}:workers"
    redis = Redis.from_url(REDIS_URL)
    try:
        await queues.startup()
        for i in range(5):
            await queues.kick("code-execution", f"job-{i}")
        # a worker that died holding its last message, and one that stopped with nothing
        got = cast(
            list[tuple[bytes, Entries]],
            await redis.xreadgroup(group, "dead-worker", {stream: ">"}, count=5),
        )
        ids = [entry_id for entry_id, _ in got[0][1]]
        await redis.xack(stream, group, *ids[:4])
        await redis.xgroup_createconsumer(stream, group, "stopped-worker")
        await asyncio.sleep(0.05)
        done = await queues.tidy(stale_consumer_idle_ms=10)
        names = {c["name"] for c in await redis.xinfo_consumers(stream, group)}
        assert b"stopped-worker" not in names
        assert b"dead-worker" in names  # it still holds a pending message
        left = [entry_id for entry_id, _ in cast(Entries, await redis.xrange(stream))]
        assert left == [ids[4]]  # the four finished entries went, the pending one stays
        assert done == {"consumers": 1, "entries": 4}
        # a message sent but not yet delivered is never trimmed either
        await queues.kick("code-execution", "job-new")
        await redis.xack(stream, group, ids[4])
        await queues.tidy(stale_consumer_idle_ms=10)
        assert len(cast(Entries, await redis.xrange(stream))) == 1  # the undelivered one
        # a stopping process removes its own consumer (nothing pending)
        own = queues.brokers["code-execution"]
        assert isinstance(own, RedisStreamBroker)
        await redis.xgroup_createconsumer(stream, group, own.consumer_name)
        await queues.remove_own_consumers()
        names = {c["name"] for c in await redis.xinfo_consumers(stream, group)}
        assert own.consumer_name.encode() not in names

    finally:
        await queues.shutdown()
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


def test_log_files_of_dead_processes_are_pruned(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    old = time.time() - 30 * 86400
    for n in range(15):  # many restarts' worth of files of processes that are gone
        path = tmp_path / f"api-{dead_pid + 100000 + n}.log"
        path.write_text("{}\n")
        os.utime(path, (time.time() - n, time.time() - n))
    ancient = tmp_path / f"api-{dead_pid}.log.2026-01-01"
    ancient.write_text("{}\n")
    os.utime(ancient, (old, old))
    mine = tmp_path / f"api-{os.getpid()}.log"
    mine.write_text("{}\n")
    other_service = tmp_path / "worker-1.log"
    other_service.write_text("{}\n")
    prune_log_files(tmp_path, "api", keep_dead=5, retention_days=14)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert mine.name in left  # a live process's file is never touched
    assert other_service.name in left
    assert ancient.name not in left  # older than the retention
    dead_files = [n for n in left if n.startswith("api-") and n != mine.name]
    assert len(dead_files) == 5  # the newest few of the dead processes' files are kept


def _dead_pid() -> int:
    argv = [sys.executable, "-c", "import os; print(os.getpid())"]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.mark.sandbox
async def test_the_sweeper_removes_a_dead_workers_cgroups(settings: Settings) -> None:
    sandbox = get_sandbox()
    backend = sandbox.cgroups
    parents: list[Path] = list(getattr(backend, "parents", {}).values())
    if isinstance(getattr(backend, "base", None), Path):
        parents.append(backend.base)  # type: ignore[attr-defined]
    assert parents
    left_over = [parent / f"run-{_dead_pid()}-drill" for parent in dict.fromkeys(parents)]
    for group in left_over:
        group.mkdir()
    sweeper = Sweeper(settings, None, EventBus(), _kick, [], resend_lost=False)  # type: ignore[arg-type]
    await sweeper.housekeeping()
    assert not [g for g in left_over if g.exists()]
