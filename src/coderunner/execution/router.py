"""/execution: create runs and submissions, read them, follow them live. Thin: rules live in
`service`, the transport in `pipeline`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse, ServerSentEvent

from coderunner.auth.deps import CurrentUser
from coderunner.auth.models import Role
from coderunner.execution import service
from coderunner.execution.events import JobEvent
from coderunner.execution.models import TERMINAL, ExecutionJob
from coderunner.execution.pipeline import Pipeline
from coderunner.execution.redaction import for_viewer
from coderunner.execution.schemas import JobOut, RunRequest, SubmitRequest, TraceRequest
from coderunner.grading.schemas import DraftCheckIn
from coderunner.kernel.errors import Unavailable
from coderunner.kernel.lifecycle import is_starting
from coderunner.kernel.schemas import ERROR_RESPONSES, ErrorOut
from coderunner.kernel.unit_of_work import SessionDep, SettingsDep

log = structlog.get_logger("coderunner.execution")

router = APIRouter(prefix="/execution", tags=["execution"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    200: {"model": JobOut, "description": "Finished job (wait=true)"},
    503: {"model": ErrorOut, "description": "Queue full (Retry-After)"},
}


async def get_pipeline(request: Request) -> Pipeline:
    pipeline: Pipeline | None = getattr(request.app.state, "execution", None)
    if pipeline is None:
        if is_starting(request.app):
            raise Unavailable(
                "Code Runner is just starting up. Try again in a few seconds.", code="STARTING"
            )
        raise Unavailable("Running code is not available right now.", code="UNAVAILABLE")
    return pipeline


async def running_pipeline(request: Request) -> Pipeline:
    """The pipeline, if something will run the jobs it takes (else 503, nothing created)."""
    pipeline = await get_pipeline(request)
    if not pipeline.can_run:
        raise Unavailable(
            "no workers: embedded workers are off and REDIS_URL is not set",
            code="NO_WORKERS",
            retry_after=60,
        )
    return pipeline


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
RunningPipelineDep = Annotated[Pipeline, Depends(running_pipeline)]
WaitQuery = Annotated[
    bool, Query(description="Answer with the finished job if it ends within a bounded wait")
]


def _out(job: ExecutionJob, role: Role | str) -> JobOut:
    """The job as this viewer may see it (a learner: hidden tests say passed or not only)."""
    return for_viewer(service.to_out(job), role)


def _json(job: ExecutionJob, status_code: int, role: Role | str) -> JSONResponse:
    body = _out(job, role).model_dump(mode="json", by_alias=True)
    return JSONResponse(body, status_code=status_code)


async def _start(
    pipeline: Pipeline, job: ExecutionJob, wait: bool, role: Role | str
) -> JSONResponse:
    """Send the committed job and answer: 200 with it finished (wait), else 202 with its id.

    The job is committed: whatever fails from here (the queue, the database during the wait),
    the answer is 202 accepted, never an error; the sweeper sends a pending job again, so a
    child who was told "accepted" polls it instead of submitting the code a second time.
    """
    found: ExecutionJob | None = None
    try:
        async with pipeline.events.subscribe(job.id) as changes:
            await pipeline.enqueue(job)
            if wait:
                found = await pipeline.wait_finished(job.id, changes, pipeline.options.wait_s)
    # the job is committed: whatever broke the wait, answer with its row (202 while it runs)
    except Exception as exc:  # noqa: BLE001
        log.warning("job_wait_interrupted", job_id=job.id, error=repr(exc)[:300])
    job = found or job
    return _json(job, 200 if job.status in TERMINAL else 202, role)


@router.post("/run", status_code=202, response_model=JobOut, responses=_RESPONSES)
async def run(
    body: RunRequest,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    pipeline: RunningPipelineDep,
    wait: WaitQuery = False,
) -> JSONResponse:
    """Run code with optional stdin (queue `code-execution`); `console: true` for a console."""
    job = service.new_run(settings, user, body)
    job = await service.admit(session, settings, job, pipeline.concurrency(job.queue))
    await session.commit()  # the edge: committed before it is sent; a wait holds no connection
    # a console runs as long as its learner answers: follow it at GET /execution/{id}/console
    return await _start(pipeline, job, wait and not body.console, user.role)


@router.post("/trace", status_code=202, response_model=JobOut, responses=_RESPONSES)
async def trace(
    body: TraceRequest,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    pipeline: RunningPipelineDep,
    wait: WaitQuery = False,
) -> JSONResponse:
    """Run Python code step by step under a tracer (queue `code-execution`, like a run): the
    finished job's `result.trace` holds the steps (see docs/api.md)."""
    job = service.new_trace(settings, user, body)
    job = await service.admit(session, settings, job, pipeline.concurrency(job.queue))
    await session.commit()  # the edge: committed before it is sent; a wait holds no connection
    return await _start(pipeline, job, wait, user.role)


@router.post("/submit", status_code=202, response_model=JobOut, responses=_RESPONSES)
async def submit(
    body: SubmitRequest,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    pipeline: RunningPipelineDep,
    wait: WaitQuery = False,
) -> JSONResponse:
    """Grade code against a problem's test cases (queue `code-submission`).

    The same code sent again to the same problem version within the resubmission window gets
    the earlier finished job (200, `X-Result-Reused: true`) instead of a new run.
    """
    job = await service.new_submission(session, settings, user, body)
    earlier = await service.identical_submission(session, settings, job)
    if earlier is not None:
        response = _json(earlier, 200, user.role)
        response.headers["X-Result-Reused"] = "true"
        return response
    job = await service.admit(session, settings, job, pipeline.concurrency(job.queue))
    await session.commit()  # the edge: committed before it is sent; a wait holds no connection
    return await _start(pipeline, job, wait, user.role)


@router.post("/check", status_code=202, response_model=JobOut, responses=_RESPONSES)
async def check(
    body: DraftCheckIn,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    pipeline: RunningPipelineDep,
    wait: WaitQuery = False,
) -> JSONResponse:
    """Teachers: grade a reference solution against a draft problem's tests, limits, comparison
    and rules before it is saved (queue `code-submission`; every test's verdict in the result).
    """
    job = service.new_check(settings, user, body)
    job = await service.admit(session, settings, job, pipeline.concurrency(job.queue))
    await session.commit()  # the edge: committed before it is sent; a wait holds no connection
    return await _start(pipeline, job, wait, user.role)


@router.get("/{job_id}", response_model=JobOut, responses=ERROR_RESPONSES)
async def get_job(job_id: str, user: CurrentUser, session: SessionDep) -> JobOut:
    """A job of yours (admins: any job)."""
    return _out(await service.job_for(session, user, job_id), user.role)


@router.delete("/{job_id}", response_model=JobOut, responses=ERROR_RESPONSES)
async def cancel_job(job_id: str, user: CurrentUser, session: SessionDep) -> JobOut:
    """Cancel a job of yours that has not started yet (409 once it started)."""
    return _out(await service.cancel(session, user, job_id), user.role)


def _status_event(job: ExecutionJob) -> ServerSentEvent:
    data = {"jobId": job.id, "status": job.status, "attempts": job.attempts}
    return ServerSentEvent(json.dumps(data), event="status")


def _done_event(job: ExecutionJob, role: Role | str) -> ServerSentEvent:
    body = _out(job, role).model_dump(mode="json", by_alias=True)
    return ServerSentEvent(json.dumps(body), event="done")


async def _stream(
    pipeline: Pipeline, job_id: str, role: Role | str
) -> AsyncIterator[ServerSentEvent]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + pipeline.options.events_cap_s
    async with pipeline.events.subscribe(job_id) as changes:
        job = await pipeline.read(job_id)
        last: tuple[str, int] | None = None
        while job is not None:
            if (job.status, job.attempts) != last:
                last = (job.status, job.attempts)
                yield _status_event(job)
            if job.status in TERMINAL:
                yield _done_event(job, role)
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            event: JobEvent | None = None
            with contextlib.suppress(TimeoutError):
                event = await asyncio.wait_for(changes.get(), min(1.0, remaining))
            if event is not None and event.job is not None and event.status in TERMINAL:
                job = event.job  # the row as its worker, in this process, committed it
            else:
                job = await pipeline.read(job_id)


@router.get(
    "/{job_id}/events",
    response_class=EventSourceResponse,
    responses={
        **ERROR_RESPONSES,
        200: {
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "string",
                        "description": "`status` events (data: {jobId, status, attempts}) on "
                        "each change, then one `done` event whose data is the whole job (JobOut)",
                    }
                }
            },
            "description": "Server-sent events, ending with `done`",
        },
    },
)
async def job_events(
    job_id: str, user: CurrentUser, session: SessionDep, pipeline: PipelineDep
) -> EventSourceResponse:
    """Server-sent events: the current state, each status change, then `done` (the job)."""
    await service.job_for(session, user, job_id)
    stream = _stream(pipeline, job_id, user.role)
    return EventSourceResponse(stream, ping=pipeline.options.events_ping_s)
