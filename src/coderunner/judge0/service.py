"""Rules of the Judge0 API: requests become execution jobs through our own admission, and jobs
are shown the way Judge0 shows submissions (status ids, base64, `fields`)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import ipaddress
import math
import secrets
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth import repository as auth_repository
from coderunner.auth.models import Role, User
from coderunner.config import Settings
from coderunner.db.base import utcnow
from coderunner.execution import service as execution
from coderunner.execution.models import ExecutionJob, JobStatus
from coderunner.execution.schemas import RunRequest
from coderunner.grading.compare import compare_output
from coderunner.judge0 import catalog, repository
from coderunner.judge0.models import ApiKey, Judge0Submission
from coderunner.judge0.schemas import SubmissionIn
from coderunner.kernel.errors import Conflict, NotFound, Unprocessable
from coderunner.kernel.verdicts import Verdict
from coderunner.learning import access
from coderunner.sandbox import DEFAULT_LIMITS, SERVER_MAXIMA, Limits, registry

MAX_BATCH = 20  # Judge0's default max_submission_batch_size
JUDGE0_VERSION = "1.13.1"  # the API we speak (clients pick language ids by it)

# GET without ?fields= answers these (Judge0's defaults); "*" answers ALL_FIELDS
DEFAULT_FIELDS = (
    "token",
    "stdout",
    "time",
    "memory",
    "stderr",
    "compile_output",
    "message",
    "status",
)
ALL_FIELDS = (
    "token", "source_code", "language_id", "stdin", "expected_output", "stdout", "stderr",
    "compile_output", "message", "status_id", "status", "language", "created_at", "finished_at",
    "time", "wall_time", "memory", "exit_code", "exit_signal", "number_of_runs", "cpu_time_limit",
    "cpu_extra_time", "wall_time_limit", "memory_limit", "stack_limit",
    "max_processes_and_or_threads", "enable_per_process_and_thread_time_limit",
    "enable_per_process_and_thread_memory_limit", "max_file_size", "compiler_options",
    "command_line_arguments", "redirect_stderr_to_stdout", "callback_url", "additional_files",
    "enable_network",
)  # fmt: skip
# ours, only when named in ?fields=: the sandbox's own verdict (MEMORY_LIMIT_EXCEEDED, ...)
EXTRA_FIELDS = ("verdict",)
ENCODED = frozenset(
    {"source_code", "stdin", "expected_output", "stdout", "stderr", "compile_output", "message"}
)
_SIGNAL_STATUS = {11: 7, 25: 8, 8: 9, 6: 10}  # SIGSEGV, SIGXFSZ, SIGFPE, SIGABRT


# --- API keys -----------------------------------------------------------------------------


def hash_key(key: str) -> str:
    """Keys are 256 random bits: a plain SHA-256 is enough to keep them unreadable at rest."""
    return hashlib.sha256(key.encode()).hexdigest()


async def create_api_key(session: AsyncSession, username: str, name: str) -> str:
    """A new key acting as `username` (an existing account); the key is shown once."""
    user = await auth_repository.get_user_by_username(session, username)
    if user is None:
        raise NotFound(f"no account named {username!r}")
    key = "cr_" + secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, key_hash=hash_key(key), user_id=user.id))
    await session.flush()
    return key


async def revoke_api_keys(session: AsyncSession, username: str, name: str) -> int:
    """Revoke the live keys of `username` labelled `name` (a leaked key stops at once)."""
    user = await auth_repository.get_user_by_username(session, username)
    if user is None:
        raise NotFound(f"no account named {username!r}")
    return await repository.revoke_keys(session, user.id, name, utcnow())


async def user_for_key(session: AsyncSession, key: str) -> User | None:
    if not key or len(key) > 200:
        return None
    return await repository.user_for_key_hash(session, hash_key(key))


# --- requests -----------------------------------------------------------------------------


def decode(value: str | None, encoded: bool, field: str) -> str | None:
    if value is None or not encoded:
        return value
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, ValueError):
        raise Unprocessable(
            f"{field} is not valid base64 of UTF-8 text", code="INVALID_BASE64"
        ) from None


def _refuse_unsupported(body: SubmissionIn) -> None:
    if body.enable_network:
        raise Unprocessable("programs never get a network here", code="NETWORK_DISABLED")
    for field in ("compiler_options", "command_line_arguments", "additional_files"):
        if getattr(body, field):
            raise Unprocessable(f"{field} is not supported here", code="UNSUPPORTED_FIELD")


def _limits_for(user: User, language: str, body: SubmissionIn) -> dict[str, Any]:
    """Judge0's limits as our job's overrides, clamped: teachers and admins up to the server
    maxima, everyone else up to the language's defaults (as on /execution/run)."""
    lang = registry()[language]
    ceiling = (
        SERVER_MAXIMA
        if access.is_staff(user)
        else lang.limits(DEFAULT_LIMITS).capped_by(SERVER_MAXIMA)
    )
    limits: dict[str, Any] = {}
    if body.cpu_time_limit is not None:
        cpu = body.cpu_time_limit + (body.cpu_extra_time or 0)
        limits["cpuTimeS"] = min(cpu, ceiling.cpu_time_s)
    if body.wall_time_limit is not None:
        limits["wallTimeS"] = min(body.wall_time_limit, ceiling.wall_time_s)
    if body.memory_limit is not None:
        memory_mb = max(16, math.ceil(body.memory_limit / 1024))
        limits["memoryMb"] = min(memory_mb, ceiling.memory_mb)
    return limits


def new_submission(
    settings: Settings, user: User, body: SubmissionIn, encoded: bool
) -> tuple[ExecutionJob, Judge0Submission]:
    """The job (not yet admitted) and its Judge0 row for one request body (its callback_url
    is checked apart: `check_callback_url`)."""
    if body.source_code is None:
        raise Unprocessable("source_code can't be blank", code="MISSING_FIELD")
    if body.language_id is None:
        raise Unprocessable("language_id can't be blank", code="MISSING_FIELD")
    found = catalog.by_id(body.language_id)
    if found is None:
        raise Unprocessable(
            f"language with id {body.language_id} doesn't exist", code="UNKNOWN_LANGUAGE"
        )
    _refuse_unsupported(body)
    judge0_language, lang = found
    code = decode(body.source_code, encoded, "source_code") or ""
    stdin = decode(body.stdin, encoded, "stdin") or ""
    expected = decode(body.expected_output, encoded, "expected_output")
    # our own admission rules (sizes, language, the caller's role) build the job
    job = execution.new_run(settings, user, RunRequest(code=code, language=lang.key, stdin=stdin))
    job.limits = _limits_for(user, lang.key, body)
    row = Judge0Submission(
        token=str(uuid.uuid4()),
        job_id=job.id,
        user_id=user.id,
        language_id=judge0_language.id,
        expected_output=expected,
        callback_url=body.callback_url,
        created_at=job.created_at,
        job=job,
    )
    return job, row


async def check_callback_url(settings: Settings, url: str) -> None:
    """Callbacks are off unless the operator turns them on; then only to public addresses.
    The host name is resolved in a thread: a slow DNS answer must not stall the event loop."""
    if not settings.judge0_callbacks:
        raise Unprocessable("callbacks are turned off on this server", code="CALLBACKS_DISABLED")
    if await asyncio.to_thread(public_address, url) is None:
        raise Unprocessable(
            "callback_url must be http(s) to a public address", code="CALLBACK_NOT_ALLOWED"
        )


def public_address(url: str) -> str | None:
    """The first address `url`'s host resolves to, if every one of them is public; else None.
    The caller connects to that address, so a second lookup can't point somewhere else."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses or not all(a.is_global and not a.is_multicast for a in addresses):
        return None
    return str(addresses[0])


async def owned(
    session: AsyncSession, user: User, tokens: Iterable[str]
) -> dict[str, tuple[Judge0Submission, ExecutionJob]]:
    """The caller's submissions among `tokens` (admins: anyone's); others are left out."""
    wanted = [t for t in tokens if 0 < len(t) <= 36]
    found = await repository.submissions(session, wanted) if wanted else {}
    return {
        token: pair
        for token, pair in found.items()
        if pair[0].user_id == user.id or user.role == Role.ADMIN
    }


async def one(
    session: AsyncSession, user: User, token: str
) -> tuple[Judge0Submission, ExecutionJob]:
    found = (await owned(session, user, [token])).get(token)
    if found is None:
        raise NotFound("no such submission")
    return found


async def delete(
    session: AsyncSession, user: User, token: str
) -> tuple[Judge0Submission, ExecutionJob]:
    """Judge0 deletes only a finished submission."""
    sub, job = await one(session, user, token)
    if job.status not in (JobStatus.COMPLETED, JobStatus.FAILED):
        raise Conflict(
            "submission cannot be deleted because its status is "
            + catalog.STATUSES[status_id(sub, job)],
            code="STILL_RUNNING",
        )
    await repository.delete_submission(session, job.id)
    return sub, job


def parse_fields(raw: str | None) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        return DEFAULT_FIELDS
    names = tuple(dict.fromkeys(f.strip() for f in raw.split(",") if f.strip()))
    if "*" in names:
        return ALL_FIELDS
    unknown = [n for n in names if n not in ALL_FIELDS and n not in EXTRA_FIELDS]
    if unknown:
        raise Unprocessable(f"invalid fields: {', '.join(unknown)}", code="INVALID_FIELDS")
    return names


# --- responses ----------------------------------------------------------------------------


def status_id(sub: Judge0Submission, job: ExecutionJob) -> int:
    if job.status == JobStatus.PENDING:
        return 1
    if job.status == JobStatus.PROCESSING:
        return 2
    if job.status == JobStatus.FAILED or job.result is None:
        return 13
    verdict = job.verdict
    result = job.result
    if verdict == Verdict.OK:
        if sub.expected_output is None:
            return 3
        return 3 if compare_output(sub.expected_output, result.get("stdout", "")) else 4
    if verdict == Verdict.TIME_LIMIT_EXCEEDED:
        return 5
    if verdict == Verdict.COMPILATION_ERROR:
        return 6
    if verdict == Verdict.OUTPUT_LIMIT_EXCEEDED:
        return 8  # Judge0 writes output to a file: too much of it is SIGXFSZ
    if verdict == Verdict.RUNTIME_ERROR:
        signal = result.get("signal")
        if signal is None:
            return 11
        return _SIGNAL_STATUS.get(int(signal), 12)
    if verdict == Verdict.MEMORY_LIMIT_EXCEEDED:
        return 12  # Judge0 has no status of its own for it; `message` and `verdict` say which
    return 13


def _message(status: int, job: ExecutionJob) -> str | None:
    result = job.result or {}
    if status == 13:
        return "Internal Error: the server could not run this, try again"
    if job.verdict == Verdict.MEMORY_LIMIT_EXCEEDED:
        return "Memory limit exceeded"
    if job.verdict == Verdict.OUTPUT_LIMIT_EXCEEDED:
        return "Output limit exceeded"
    if status == 5:
        return "Time limit exceeded"
    if status == 11:
        return f"Exited with error status {result.get('exitCode')}"
    if status in (7, 8, 9, 10, 12) and result.get("signal") is not None:
        return f"Killed by signal {result.get('signal')}"
    return None


def _stamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _effective(job: ExecutionJob) -> Limits:
    lang = registry()[job.language]
    base = lang.limits(DEFAULT_LIMITS)
    requested = job.limits or {}
    time_s = requested.get("timeLimitS")
    return base.with_overrides(
        cpu_time_s=requested.get("cpuTimeS", time_s),
        wall_time_s=requested.get("wallTimeS", time_s),
        memory_mb=requested.get("memoryMb"),
    ).capped_by(SERVER_MAXIMA)


def view(
    sub: Judge0Submission, job: ExecutionJob, fields: Iterable[str], encoded: bool
) -> dict[str, Any]:
    """The submission as Judge0 shows it, only `fields`; text fields base64 when `encoded`."""
    status = status_id(sub, job)
    result = job.result or {}
    compiled_badly = job.verdict == Verdict.COMPILATION_ERROR
    limits = _effective(job)
    found = catalog.by_id(sub.language_id)
    values: dict[str, Any] = {
        "token": sub.token,
        "source_code": job.code,
        "language_id": sub.language_id,
        "stdin": job.stdin,
        "expected_output": sub.expected_output,
        "stdout": result.get("stdout") if job.result is not None else None,
        "stderr": None if compiled_badly else result.get("stderr"),
        "compile_output": result.get("stderr") if compiled_badly else None,
        "message": _message(status, job),
        "status_id": status,
        "status": {"id": status, "description": catalog.STATUSES[status]},
        "language": {"id": sub.language_id, "name": catalog.name(*found) if found else None},
        "created_at": _stamp(sub.created_at),
        "finished_at": _stamp(job.finished_at),
        "time": f"{result['timeMs'] / 1000:.3f}" if "timeMs" in result else None,
        "wall_time": f"{result['wallMs'] / 1000:.3f}" if "wallMs" in result else None,
        "memory": result.get("memoryKb"),
        "exit_code": result.get("exitCode"),
        "exit_signal": result.get("signal"),
        "number_of_runs": 1,
        "cpu_time_limit": f"{limits.cpu_time_s:g}",
        "cpu_extra_time": "0",
        "wall_time_limit": f"{limits.wall_time_s:g}",
        "memory_limit": limits.memory_mb * 1024,
        "stack_limit": None,
        "max_processes_and_or_threads": limits.max_processes,
        "enable_per_process_and_thread_time_limit": False,
        "enable_per_process_and_thread_memory_limit": False,
        "max_file_size": limits.file_size_mb * 1024,
        "compiler_options": None,
        "command_line_arguments": None,
        "redirect_stderr_to_stdout": False,
        "callback_url": sub.callback_url,
        "additional_files": None,
        "enable_network": False,
        "verdict": job.verdict,
    }
    out: dict[str, Any] = {}
    for name in fields:
        value = values.get(name)
        if encoded and name in ENCODED and value is not None:
            value = base64.b64encode(str(value).encode()).decode()
        out[name] = value
    return out


def config_info(settings: Settings) -> dict[str, Any]:
    """GET /config_info: Judge0's keys with our defaults and maxima (Python's limits)."""
    default = DEFAULT_LIMITS
    return {
        "maintenance_mode": False,
        "enable_wait_result": True,
        "enable_compiler_options": False,
        "allowed_languages_for_compile_options": [],
        "enable_command_line_arguments": False,
        "enable_submission_delete": True,
        "enable_callbacks": settings.judge0_callbacks,
        "callbacks_max_tries": 3,
        "callbacks_timeout": 5.0,
        "enable_additional_files": False,
        "max_queue_size": settings.max_pending_jobs,
        "cpu_time_limit": default.cpu_time_s,
        "max_cpu_time_limit": SERVER_MAXIMA.cpu_time_s,
        "cpu_extra_time": 0.0,
        "max_cpu_extra_time": 0.0,
        "wall_time_limit": default.wall_time_s,
        "max_wall_time_limit": SERVER_MAXIMA.wall_time_s,
        "memory_limit": default.memory_mb * 1024,
        "max_memory_limit": SERVER_MAXIMA.memory_mb * 1024,
        "stack_limit": 8192,
        "max_stack_limit": 8192,
        "max_processes_and_or_threads": default.max_processes,
        "max_max_processes_and_or_threads": SERVER_MAXIMA.max_processes,
        "enable_per_process_and_thread_time_limit": False,
        "allow_enable_per_process_and_thread_time_limit": False,
        "enable_per_process_and_thread_memory_limit": False,
        "allow_enable_per_process_and_thread_memory_limit": False,
        "max_file_size": default.file_size_mb * 1024,
        "max_max_file_size": SERVER_MAXIMA.file_size_mb * 1024,
        "number_of_runs": 1,
        "max_number_of_runs": 1,
        "redirect_stderr_to_stdout": False,
        "max_extract_size": 0,
        "enable_batched_submissions": True,
        "max_submission_batch_size": MAX_BATCH,
        "submission_cache_duration": 0.0,
        "use_docs_as_homepage": False,
        "enable_network": False,
        "allow_enable_network": False,
    }


def about() -> dict[str, Any]:
    return {
        "version": JUDGE0_VERSION,
        "homepage": "/docs",
        "source_code": "Code Runner (docs/judge0.md)",
        "maintainer": "Code Runner",
    }
