"""Run a learner's Parsons program through the execution pipeline, one test at a time.

Each run is an ordinary `run` job: admitted (queue room, the learner's cap), committed, sent
to the workers, and waited for like `POST /execution/run?wait=true`. Nothing runs in the API.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coderunner.auth.models import User
from coderunner.config import Settings
from coderunner.db.engine import begin_write
from coderunner.execution import service as execution_service
from coderunner.execution.models import JobStatus
from coderunner.execution.pipeline import Pipeline
from coderunner.execution.schemas import RunRequest
from coderunner.kernel.errors import AppError
from coderunner.kernel.verdicts import Verdict
from coderunner.lessons.service import ProgramResult

RETRY_AFTER_S = 5


class Busy(AppError):
    status_code = 503
    code = "BUSY"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


class PipelineRunner:
    def __init__(
        self, session: AsyncSession, settings: Settings, pipeline: Pipeline, user: User
    ) -> None:
        self.session = session
        self.settings = settings
        self.pipeline = pipeline
        self.user = user

    async def run(self, code: str, stdin: str) -> ProgramResult:
        job = execution_service.new_run(
            self.settings, self.user, RunRequest(code=code, stdin=stdin)
        )
        await begin_write(self.session)
        job = await execution_service.admit(
            self.session, self.settings, job, self.pipeline.concurrency(job.queue)
        )
        # the runner is the edge for its programs (the router builds it with the request's
        # session): each admission is committed before its job is sent, and no transaction is
        # held while the job runs
        await self.session.commit()
        async with self.pipeline.events.subscribe(job.id) as changes:
            await self.pipeline.enqueue(job)
            found = await self.pipeline.wait_finished(job.id, changes, self.pipeline.options.wait_s)
        if found is None or found.status != JobStatus.COMPLETED.value:
            raise Busy(
                "The computer is busy right now. Try again in a few seconds.",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        result = found.result or {}
        stdout = str(result.get("stdout") or "")
        if found.verdict == Verdict.OK:
            return ProgramResult(True, stdout, None)
        detail = _last_line(str(result.get("stderr") or ""))
        return ProgramResult(
            False, stdout, f"{found.verdict}: {detail}" if detail else found.verdict
        )
