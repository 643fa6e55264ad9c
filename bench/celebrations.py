"""What a finished run's celebrations cost the server, by the length of the learner's history.

    .venv/bin/python -m bench.celebrations [--jobs 20 200 2000] [--loops N]

For each history length N it migrates a fresh SQLite file (the embedded server's database, through
the product's own engine and SQLite driver), gives one learner N finished runs (one in seven a
runtime error, ten minutes apart), then times `celebrations.before_job` + `after_job` for a run,
each in its own session as the worker has them, and prints the process's CPU time (all threads:
SQLite's connection threads too) per job, after a warm-up of the same length. To compare with
another version of the code, run the same command with PYTHONPATH pointing at its `src`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

import coderunner
from coderunner.auth.models import Role, User
from coderunner.celebrations import service
from coderunner.db import registry  # noqa: F401 - every model, for the mappers
from coderunner.db.engine import create_engine_for_url, create_sessionmaker
from coderunner.db.migrate import upgrade_url
from coderunner.execution.models import ExecutionJob


async def cpu_per_job(url: str, jobs: int, loops: int) -> float:
    """CPU milliseconds of one run's celebrations for a learner with `jobs` finished runs."""
    engine = create_engine_for_url(url)
    make = create_sessionmaker(engine)
    try:
        async with make() as session:
            user = User(username="bench", password_hash="-", age_group="10-12", role=Role.LEARNER)
            session.add(user)
            await session.flush()
            now = datetime.now(UTC)
            rows = [
                {
                    "type": "run",
                    "queue": "code-execution",
                    "user_id": user.id,
                    "language": "python",
                    "code": "print(1)",
                    "status": "completed",
                    "attempts": 1,
                    "verdict": "RUNTIME_ERROR" if i % 7 == 0 else "OK",
                    "created_at": now - timedelta(minutes=10 * (jobs - i)),
                }
                for i in range(jobs)
            ]
            if rows:
                await session.execute(insert(ExecutionJob), rows)
            await session.commit()
        cpu = 0.0
        for _ in ("warm-up", "measured"):
            started = time.process_time()
            for _ in range(loops):
                async with make() as session:
                    before = await service.before_job(session, user.id, None)
                assert before is not None
                async with make() as session:
                    await service.after_job(session, before, "OK")
                    await session.rollback()
            cpu = (time.process_time() - started) / loops * 1000
        return cpu
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[20, 200, 2000])
    parser.add_argument("--loops", type=int, default=200)
    args = parser.parse_args()
    code = Path(coderunner.__file__).resolve().parent
    for jobs in args.jobs:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='coderunner-bench-')}/bench.db"
        upgrade_url(url)  # before the loop: alembic runs its own
        cpu = asyncio.run(cpu_per_job(url, jobs, args.loops))
        print(f"{code}: {jobs} finished jobs: {cpu:.2f} ms CPU per run's celebrations")


if __name__ == "__main__":
    main()
