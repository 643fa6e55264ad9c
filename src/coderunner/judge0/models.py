"""API keys for programs (Judge0 clients), and the Judge0 view of an execution job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coderunner.db.base import Base, UTCDateTime, new_id, utcnow
from coderunner.execution.models import ExecutionJob


class ApiKey(Base):
    """A key an admin made for a program; only its SHA-256 is kept. It acts as its user."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Judge0Submission(Base):
    """What a Judge0 submission adds to its job: the token, the language id, expected output."""

    __tablename__ = "judge0_submissions"

    token: Mapped[str] = mapped_column(String(36), primary_key=True)
    job_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("execution_jobs.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    language_id: Mapped[int] = mapped_column(Integer)
    expected_output: Mapped[str | None] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the job is written first when both are new (one flush, in the admission's transaction)
    job: Mapped[ExecutionJob] = relationship(lazy="raise")
