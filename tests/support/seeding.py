"""Rows the API suites seed directly: a ladder of levels with their problems, and finished jobs.

Straight into the tables (no sandbox, no worker), for suites that test what is computed from
them: locks and unlocks, streaks, effort badges, celebrations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import insert

from coderunner.execution.models import ExecutionJob
from coderunner.levels.models import Level
from coderunner.problems.models import Problem

# (level number, how many problems): level 2 opens at 3 of level 1's 5 solved
LADDER = ((1, 5), (2, 4), (3, 2))


async def seed_levels(app: FastAPI, age_group: str, *, hints: Sequence[str] = ()) -> None:
    """Levels 1, 2 and 3 of `age_group` ("Level N"), with problems `pN-0`, `pN-1`, ... ("Problem
    N.i", 10 xp each, `hints` each)."""
    async with app.state.sessionmaker() as session:
        for number, count in LADDER:
            session.add(Level(age_group=age_group, number=number, title=f"Level {number}"))
            for i in range(count):
                session.add(
                    Problem(
                        id=f"p{number}-{i}",
                        age_group=age_group,
                        level_number=number,
                        order=i,
                        title=f"Problem {number}.{i}",
                        hints=list(hints),
                        xp=10,
                    )
                )
        await session.commit()


def finished_job(
    user_id: str,
    verdict: str,
    *,
    kind: str = "submit",
    problem_id: str | None = None,
    created_at: datetime | None = None,
) -> ExecutionJob:
    """A completed job of `user_id` (a `print(1)` in Python) with `verdict`, not yet added."""
    return ExecutionJob(
        type=kind,
        queue="code-execution",
        user_id=user_id,
        problem_id=problem_id,
        language="python",
        code="print(1)",
        stdin="",
        limits={},
        status="completed",
        attempts=1,
        verdict=verdict,
        created_at=created_at or datetime.now(UTC),
    )


async def seed_finished_job(
    app: FastAPI, user_id: str, verdict: str, *, kind: str = "submit", problem_id: str | None = None
) -> ExecutionJob:
    """A `finished_job` (finished when made), committed; returns it."""
    job = finished_job(user_id, verdict, kind=kind, problem_id=problem_id)
    job.finished_at = job.created_at
    async with app.state.sessionmaker() as session:
        session.add(job)
        await session.commit()
        return job


async def seed_finished_runs(
    app: FastAPI, user_id: str, count: int, since: datetime, verdict: str = "OK"
) -> None:
    """`count` completed runs of `user_id` with `verdict`, one a second from `since`, in one
    bulk insert (a long history, cheaply)."""
    rows = [
        {
            "type": "run",
            "queue": "code-execution",
            "user_id": user_id,
            "language": "python",
            "code": "print(1)",
            "status": "completed",
            "attempts": 1,
            "verdict": verdict,
            "created_at": since + timedelta(seconds=i),
        }
        for i in range(count)
    ]
    async with app.state.sessionmaker() as session:
        await session.execute(insert(ExecutionJob), rows)
        await session.commit()
