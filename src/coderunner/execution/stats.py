"""The pipeline's figures for the admin page, from the jobs table (every process's jobs).

The same figures as the Grafana dashboard (deploy/grafana/coderunner.json), for a school that
runs no Prometheus: queue depth, run and wait percentiles, verdict mix, success rate, sandbox
failures, over a recent window. `GET /admin/stats` (admins only).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.deps import AdminUser
from coderunner.db.base import utcnow
from coderunner.execution import repository
from coderunner.execution.models import JobStatus, QueueName
from coderunner.execution.schemas import Percentiles, QueueDepth, StatsOut
from coderunner.kernel.schemas import ERROR_RESPONSES
from coderunner.kernel.unit_of_work import SessionDep
from coderunner.kernel.verdicts import Verdict

# the newest finished jobs the percentiles are computed over (bounded work per page view)
SAMPLE_LIMIT = 5000
PLATFORM_FAILURE_VERDICTS = (Verdict.INTERNAL_ERROR.value,)


def percentiles(values: list[float]) -> Percentiles:
    if not values:
        return Percentiles(p50_ms=None, p95_ms=None, p99_ms=None)
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return Percentiles(p50_ms=at(0.5), p95_ms=at(0.95), p99_ms=at(0.99))


async def pipeline_stats(session: AsyncSession, window_hours: int) -> StatsOut:
    since = utcnow() - timedelta(hours=window_hours)
    depths = await repository.depths(session)
    by_status = await repository.finished_by_status(session, since)
    verdicts = await repository.finished_by_verdict(session, since)
    rows = await repository.recent_timings(session, since, SAMPLE_LIMIT)
    runs = [(f - s).total_seconds() for c, s, f in rows if f is not None and s is not None]
    waits = [max(0.0, (s - c).total_seconds()) for c, s, f in rows if s is not None]
    completed = int(by_status.get(JobStatus.COMPLETED.value, 0))
    failed = int(by_status.get(JobStatus.FAILED.value, 0))
    finished = completed + failed
    return StatsOut(
        window_hours=window_hours,
        queues=[
            QueueDepth(
                queue=q.value,
                pending=depths.get((q.value, JobStatus.PENDING.value), 0),
                processing=depths.get((q.value, JobStatus.PROCESSING.value), 0),
            )
            for q in QueueName
        ],
        finished=finished,
        completed=completed,
        failed=failed,
        success_rate=round(completed / finished, 4) if finished else None,
        verdicts=verdicts,
        sandbox_failures=failed + sum(verdicts.get(v, 0) for v in PLATFORM_FAILURE_VERDICTS),
        run_time=percentiles(runs),
        queue_wait=percentiles(waits),
        sampled=len(rows),
    )


router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)


@router.get("/stats", response_model=StatsOut)
async def stats(
    session: SessionDep,
    _admin: AdminUser,
    hours: Annotated[int, Query(ge=1, le=168)] = 1,
) -> StatsOut:
    """Queue depth, run and wait percentiles, verdict mix, success rate, sandbox failures."""
    return await pipeline_stats(session, hours)
