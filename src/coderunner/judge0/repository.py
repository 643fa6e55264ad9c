"""Queries of the Judge0 package: API keys and submissions (with their jobs)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.execution.models import ExecutionJob
from coderunner.judge0.models import ApiKey, Judge0Submission


async def user_for_key_hash(session: AsyncSession, key_hash: str) -> User | None:
    """The user a live (not revoked) key acts as."""
    return await session.scalar(
        select(User)
        .join(ApiKey, ApiKey.user_id == User.id)
        .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )


async def revoke_keys(session: AsyncSession, user_id: str, name: str, now: datetime) -> int:
    """Revoke `user_id`'s live keys labelled `name`; how many."""
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.name == name, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def submissions(
    session: AsyncSession, tokens: Sequence[str]
) -> dict[str, tuple[Judge0Submission, ExecutionJob]]:
    rows = await session.execute(
        select(Judge0Submission, ExecutionJob)
        .join(ExecutionJob, ExecutionJob.id == Judge0Submission.job_id)
        .where(Judge0Submission.token.in_(list(tokens)))
    )
    return {sub.token: (sub, job) for sub, job in rows.all()}


async def delete_submission(session: AsyncSession, job_id: str) -> None:
    """The job goes, and its Judge0 row with it (ON DELETE CASCADE, and explicitly for SQLite
    connections that don't enforce foreign keys)."""
    await session.execute(delete(Judge0Submission).where(Judge0Submission.job_id == job_id))
    await session.execute(delete(ExecutionJob).where(ExecutionJob.id == job_id))
