"""/execution/{id}/console: the console's channel for its owner's browser.

Output arrives as server-sent events (so the web server's proxy streams it like job events, and
a dropped stream resumes from Last-Event-ID); answers and Stop are small POSTs. The console job
itself is made by `POST /execution/run` with `console: true` (admission, rate limits and the
per-user job cap as for every run).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from coderunner.auth.deps import CurrentUser
from coderunner.auth.models import Role
from coderunner.config import Settings
from coderunner.db.base import utcnow
from coderunner.execution import repository, service
from coderunner.execution.console import ANSWER, END, STOP
from coderunner.execution.console_channel import IN, OUT
from coderunner.execution.events import JobEvent
from coderunner.execution.models import TERMINAL, ExecutionJob, JobStatus
from coderunner.execution.pipeline import Pipeline
from coderunner.execution.redaction import for_viewer
from coderunner.execution.router import PipelineDep
from coderunner.execution.schemas import ConsoleAnswer
from coderunner.kernel.errors import Conflict
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep, SettingsDep

router = APIRouter(prefix="/execution", tags=["execution"])

# how often the job's row is read while its console prints nothing
_ROW_EVERY_S = 1.0
_DOC = (
    "`console` (data: {idleLimitS, sessionLimitS}) first; `status` on each change; `output` "
    "(data: {stream: stdout|stderr, text}, with an id for Last-Event-ID) as the program prints; "
    "then one `done` whose data is the whole job (JobOut)"
)


def _event(name: str, data: Any, event_id: str | None = None) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(data), event=name, id=event_id)


async def _stream(
    pipeline: Pipeline, job_id: str, after: str, settings: Settings, role: Role | str
) -> AsyncIterator[ServerSentEvent]:
    limits = {"idleLimitS": settings.console_idle_s, "sessionLimitS": settings.console_session_s}
    yield _event("console", limits)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.console_session_s + 60
    async with pipeline.events.subscribe(job_id) as changes:
        job: ExecutionJob | None = await pipeline.read(job_id)
        read_at = loop.time()
        status: str | None = None
        ended = False  # the worker wrote its last output entry
        while job is not None and loop.time() < deadline:
            if job.status != status:
                status = job.status
                yield _event("status", {"jobId": job.id, "status": status})
            finished = job.status in TERMINAL
            # output before a finished row is all in the channel: drain it, then done
            block = 0.0 if finished or ended else _ROW_EVERY_S
            entries = await pipeline.console.read(job_id, OUT, after, block)
            for entry_id, kind, text in entries:
                after = entry_id
                if kind == END:
                    ended = True
                else:
                    yield _event("output", {"stream": kind, "text": text}, entry_id)
            if finished and not entries:
                body = for_viewer(service.to_out(job), role).model_dump(mode="json", by_alias=True)
                yield _event("done", body)
                return
            event: JobEvent | None = None
            if ended and not finished:
                with contextlib.suppress(TimeoutError):
                    event = await asyncio.wait_for(changes.get(), 0.5)
            elif not changes.empty():
                event = changes.get_nowait()
            if event is not None and event.job is not None and event.status in TERMINAL:
                job = event.job
            elif event is not None or ended or loop.time() - read_at >= _ROW_EVERY_S:
                job, read_at = await pipeline.read(job_id), loop.time()


@router.get(
    "/{job_id}/console",
    response_class=EventSourceResponse,
    responses={
        **ERROR_RESPONSES,
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string", "description": _DOC}}},
            "description": "Server-sent events, ending with `done`",
        },
    },
)  # fmt: skip
async def console_events(
    job_id: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    pipeline: PipelineDep,
) -> EventSourceResponse:
    """Your console's output as it is printed, then `done` (only its owner may attach)."""
    job = await service.console_for(session, user, job_id)
    after = request.headers.get("last-event-id") or "0"
    if len(after) > 40:
        after = "0"
    stream = _stream(pipeline, job.id, after, settings, user.role)
    return EventSourceResponse(stream, ping=pipeline.options.events_ping_s)


@router.post("/{job_id}/console/answer", status_code=202, responses=ERROR_RESPONSES)
async def console_answer(
    job_id: str, body: ConsoleAnswer, user: CurrentUser, session: SessionDep, pipeline: PipelineDep
) -> dict[str, bool]:
    """Type an answer (one line) for your running program's `input()`."""
    job = await service.console_for(session, user, job_id)
    line = service.check_answer(body.text)
    if job.status in TERMINAL:
        raise Conflict("Your program has finished. Press Run to start it again.")
    await pipeline.console.add(job.id, IN, [(ANSWER, line)])
    return {"accepted": True}


@router.post("/{job_id}/console/stop", status_code=202, responses=ERROR_RESPONSES)
async def console_stop(
    job_id: str, user: CurrentUser, session: SessionDep, pipeline: PipelineDep
) -> dict[str, str]:
    """Stop your program (a program still waiting for a computer never starts)."""
    job = await service.console_for(session, user, job_id)
    if job.status == JobStatus.PENDING and await repository.cancel(session, job.id, utcnow()):
        return {"status": "cancelled"}
    if job.status not in TERMINAL:
        await pipeline.console.add(job.id, IN, [(STOP, "")])
    return {"status": "stopping"}
