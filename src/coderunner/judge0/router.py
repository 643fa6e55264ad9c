"""The Judge0 CE 1.13 endpoints, under /judge0. Thin: rules in `service`, admission and the
queues are the execution pipeline's own (the same as /execution/run)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth import service as auth_service
from coderunner.auth.deps import Credentials, RevocationsDep
from coderunner.auth.models import User
from coderunner.config import Settings
from coderunner.execution import service as execution
from coderunner.execution.models import ExecutionJob
from coderunner.execution.router import RunningPipelineDep
from coderunner.judge0 import callbacks, catalog, service
from coderunner.judge0.models import Judge0Submission
from coderunner.judge0.schemas import BatchIn, SubmissionIn, TokenOut
from coderunner.kernel.errors import AppError, NotFound, Unauthorized, Unprocessable
from coderunner.kernel.unit_of_work import SessionDep, SettingsDep

router = APIRouter(prefix="/judge0", tags=["judge0"])


async def judge0_user(
    request: Request,
    session: SessionDep,
    credentials: Credentials,
    settings: SettingsDep,
    revocations: RevocationsDep,
    x_auth_token: Annotated[str | None, Header()] = None,
) -> User:
    """An admin-made API key in X-Auth-Token (Judge0's header), or our bearer token."""
    if x_auth_token is not None:
        user = await service.user_for_key(session, x_auth_token)
        if user is None:
            raise Unauthorized("unknown or revoked API key", code="INVALID_API_KEY")
    elif credentials is not None:
        user, _ = await auth_service.user_for_token(
            session, credentials.credentials, settings.secret, revocations
        )
    else:
        raise Unauthorized("send an API key in X-Auth-Token, or a bearer token")
    request.state.user_id = user.id
    return user


Judge0User = Annotated[User, Depends(judge0_user)]
Encoded = Annotated[bool, Query(description="text fields in and out are base64")]
Fields = Annotated[str | None, Query(description="comma-separated fields, or *")]


async def _admit(
    session: AsyncSession,
    settings: Settings,
    user: User,
    body: SubmissionIn,
    encoded: bool,
    pipeline: Any,
) -> tuple[Judge0Submission, ExecutionJob]:
    job, row = service.new_submission(settings, user, body, encoded)
    if body.callback_url is not None:
        await service.check_callback_url(settings, body.callback_url)
    session.add(row)  # flushed with the job, rolled back with it if admission refuses
    try:
        job = await execution.admit(session, settings, job, pipeline.concurrency(job.queue))
    except AppError:
        await session.rollback()  # a batch goes on with its next submission
        raise
    await session.commit()  # the edge: committed before the job is sent
    return row, job


def _follow_callback(request: Request, settings: Settings, row: Judge0Submission) -> None:
    if row.callback_url is None or not settings.judge0_callbacks:
        return
    pipeline = request.app.state.execution
    task = asyncio.get_running_loop().create_task(
        callbacks.deliver(pipeline, row.token, row.job_id, row.callback_url)
    )
    callbacks.keep(task)


_CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": TokenOut, "description": "{token}; with ?wait=true the submission's fields"}
}
_BATCH_CREATED: dict[int | str, dict[str, Any]] = {
    201: {"model": list[TokenOut], "description": "one {token} or {error} per submission"}
}


@router.post("/submissions", status_code=201, responses=_CREATED)
async def create_submission(
    request: Request,
    body: SubmissionIn,
    user: Judge0User,
    session: SessionDep,
    settings: SettingsDep,
    pipeline: RunningPipelineDep,
    base64_encoded: Encoded = False,
    wait: Annotated[bool, Query()] = False,
    fields: Fields = None,
) -> JSONResponse:
    """Create a submission: 201 {token}, or with ?wait=true the finished submission."""
    wanted = service.parse_fields(fields)
    row, job = await _admit(session, settings, user, body, base64_encoded, pipeline)
    async with pipeline.events.subscribe(job.id) as changes:
        await pipeline.enqueue(job)
        _follow_callback(request, settings, row)
        if not wait:
            return JSONResponse({"token": row.token}, status_code=201)
        found = await pipeline.wait_finished(job.id, changes, pipeline.options.wait_s)
    job = found or job
    return JSONResponse(service.view(row, job, wanted, base64_encoded), status_code=201)


@router.post("/submissions/batch", status_code=201, responses=_BATCH_CREATED)
async def create_batch(
    request: Request,
    body: BatchIn,
    user: Judge0User,
    session: SessionDep,
    settings: SettingsDep,
    pipeline: RunningPipelineDep,
    base64_encoded: Encoded = False,
) -> JSONResponse:
    """Create up to 20 submissions: one {token} (or {error}) per submission, in order."""
    if len(body.submissions) > service.MAX_BATCH:
        raise Unprocessable(
            f"number of submissions in a batch must be at most {service.MAX_BATCH}",
            code="BATCH_TOO_LARGE",
        )
    answers: list[dict[str, Any]] = []
    for item in body.submissions:
        try:
            row, job = await _admit(session, settings, user, item, base64_encoded, pipeline)
        except AppError as exc:
            if exc.status_code in (429, 503) and not any("token" in a for a in answers):
                raise  # nothing admitted yet: back-pressure is the whole request's answer
            # once some run, their tokens must come back: a 429 would hide them (and a retry
            # would run them twice); this one's error says why it was left out
            answers.append({"error": {"code": exc.code, "message": exc.message}})
            continue
        await pipeline.enqueue(job)
        _follow_callback(request, settings, row)
        answers.append({"token": row.token})
    return JSONResponse(answers, status_code=201)


@router.get("/submissions/batch")
async def get_batch(
    user: Judge0User,
    session: SessionDep,
    tokens: Annotated[str | None, Query(max_length=20 * 37)] = None,
    base64_encoded: Encoded = False,
    fields: Fields = None,
) -> dict[str, Any]:
    """Several submissions by token (null for one that is not yours or does not exist)."""
    wanted = service.parse_fields(fields)
    names = [t.strip() for t in (tokens or "").split(",") if t.strip()]
    if len(names) > service.MAX_BATCH:
        raise Unprocessable(
            f"give at most {service.MAX_BATCH} comma-separated tokens", code="INVALID_TOKENS"
        )
    found = await service.owned(session, user, names)
    return {
        "submissions": [
            service.view(*found[t], wanted, base64_encoded) if t in found else None for t in names
        ]
    }


@router.get("/submissions/{token}")
async def get_submission(
    token: str,
    user: Judge0User,
    session: SessionDep,
    base64_encoded: Encoded = False,
    fields: Fields = None,
) -> dict[str, Any]:
    wanted = service.parse_fields(fields)
    row, job = await service.one(session, user, token)
    return service.view(row, job, wanted, base64_encoded)


@router.delete("/submissions/{token}")
async def delete_submission(
    token: str,
    user: Judge0User,
    session: SessionDep,
    base64_encoded: Encoded = False,
    fields: Fields = None,
) -> dict[str, Any]:
    """Delete a finished submission of yours; answers it as it was."""
    wanted = service.parse_fields(fields)
    row, job = await service.delete(session, user, token)
    return service.view(row, job, wanted, base64_encoded)


@router.get("/languages")
async def languages() -> list[dict[str, Any]]:
    return [{"id": j.id, "name": catalog.name(j, lang)} for j, lang in catalog.enabled()]


@router.get("/languages/{language_id}")
async def language(language_id: int) -> dict[str, object]:
    found = catalog.by_id(language_id)
    if found is None:
        raise NotFound("no such language")
    return catalog.describe(*found)


@router.get("/statuses")
async def statuses() -> list[dict[str, Any]]:
    return [{"id": k, "description": v} for k, v in catalog.STATUSES.items()]


@router.get("/about")
async def about() -> dict[str, Any]:
    return service.about()


@router.get("/config_info")
async def config_info(settings: SettingsDep) -> dict[str, Any]:
    return service.config_info(settings)
