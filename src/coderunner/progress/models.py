"""A learner's progress on one problem."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base, UTCDateTime, utcnow

# ProgressStatus is progress.status' (the schemas read it without the tables)
from coderunner.progress.status import ProgressStatus as ProgressStatus


class Progress(Base):
    __tablename__ = "progress"
    __table_args__ = (UniqueConstraint("user_id", "problem_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    problem_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("problems.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ProgressStatus] = mapped_column(
        Enum(
            ProgressStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ProgressStatus.NOT_STARTED,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    best_pass_rate: Mapped[float] = mapped_column(Float, default=0.0)
    hints_used: Mapped[int] = mapped_column(Integer, default=0)
    time_spent_s: Mapped[int] = mapped_column(Integer, default=0)
    first_solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    xp_awarded: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
