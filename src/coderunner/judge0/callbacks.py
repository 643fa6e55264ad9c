"""Judge0 callbacks (off unless CODERUNNER_JUDGE0_CALLBACKS is on): when a submission ends, its
result is PUT to its callback_url (base64-encoded, as Judge0 does), only ever to a public
address checked at send time and connected to by that address (a second DNS answer can't point
it at us)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import structlog

from coderunner.execution.models import ExecutionJob
from coderunner.judge0 import repository, service
from coderunner.judge0.models import Judge0Submission

log = structlog.get_logger("coderunner.judge0")

_TASKS: set[asyncio.Task[None]] = set()
WAIT_S = 120.0
TRIES = 3


def keep(task: asyncio.Task[None]) -> None:
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


def pinned(url: str, address: str) -> tuple[str, str]:
    """`url` with its host replaced by `address`, and the Host header to send."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc)), parts.netloc


def callback_body(sub: Judge0Submission, job: ExecutionJob) -> dict[str, Any]:
    """What Judge0 PUTs: the default fields, base64-encoded whatever the request asked (its
    clients decode a callback so)."""
    return service.view(sub, job, service.DEFAULT_FIELDS, encoded=True)


async def deliver(pipeline: Any, token: str, job_id: str, url: str) -> None:
    try:
        async with pipeline.events.subscribe(job_id) as changes:
            await pipeline.wait_finished(job_id, changes, WAIT_S)
        async with pipeline.sessionmaker() as session:
            found = (await repository.submissions(session, [token])).get(token)
        if found is None:
            return
        body = callback_body(*found)
        hostname = urlsplit(url).hostname or ""
        for _ in range(TRIES):
            address = await asyncio.to_thread(service.public_address, url)
            if address is None:
                log.warning("judge0_callback_refused", token=token)
                return
            target, host = pinned(url, address)
            try:
                async with httpx.AsyncClient(timeout=5.0, follow_redirects=False) as client:
                    response = await client.put(
                        target,
                        json=body,
                        headers={"Host": host},
                        extensions={"sni_hostname": hostname},
                    )
                if response.status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(1.0)
    except Exception as exc:  # noqa: BLE001 - a callback must never take the API down
        log.warning("judge0_callback_failed", token=token, error=type(exc).__name__)
