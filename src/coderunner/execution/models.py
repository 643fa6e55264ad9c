"""Execution jobs: the source of truth for every run and submission (the queue only carries ids)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base, UTCDateTime, new_id, utcnow


class JobType(enum.StrEnum):
    RUN = "run"
    SUBMIT = "submit"
    # a teacher's reference solution graded against a draft problem (not yet saved)
    CHECK = "check"
    TRACE = "trace"  # step mode: a run under the tracer (`sandbox.tracing`)
    CONSOLE = "console"  # a run whose answers are typed as it asks (execution.console)


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


TERMINAL = frozenset({JobStatus.COMPLETED, JobStatus.FAILED})


class QueueName(enum.StrEnum):
    EXECUTION = "code-execution"
    SUBMISSION = "code-submission"
    # consoles wait for answers for minutes: their own workers, so Run and Submit keep theirs
    CONSOLE = "code-console"


QUEUE_FOR_TYPE = {
    JobType.RUN: QueueName.EXECUTION,
    JobType.SUBMIT: QueueName.SUBMISSION,
    JobType.CHECK: QueueName.SUBMISSION,
    JobType.TRACE: QueueName.EXECUTION,
    JobType.CONSOLE: QueueName.CONSOLE,
}


class ExecutionJob(Base):
    __tablename__ = "execution_jobs"
    __table_args__ = (
        Index("ix_execution_jobs_queue_status", "queue", "status"),
        Index("ix_execution_jobs_user_id_status", "user_id", "status"),
        # a learner's jobs in time order: their activity days, their first failure and a fix
        # after it (learning.repository), without reading every row of theirs
        Index("ix_execution_jobs_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    problem_id: Mapped[str | None] = mapped_column(
        String(100), ForeignKey("problems.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(32))
    # the learner's age group when the job was made: the wording of its error explanation
    age_group: Mapped[str | None] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(Text)
    stdin: Mapped[str] = mapped_column(Text, default="")
    # requested overrides only ({timeLimitS, memoryMb}); defaults and maxima apply at run time
    limits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # a check (JobType.CHECK): the draft problem's {tests, comparison, rules}
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker_id: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verdict: Mapped[str | None] = mapped_column(String(32), index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submission_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    failure_reason: Mapped[str | None] = mapped_column(Text)
