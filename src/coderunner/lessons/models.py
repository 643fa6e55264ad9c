"""A lesson as synced from its content file, and a learner's steps through it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base, UTCDateTime, utcnow


class Lesson(Base):
    """One level's lesson; `content` holds the file's fields plus the computed outputs."""

    __tablename__ = "lessons"
    __table_args__ = (PrimaryKeyConstraint("age_group", "level_number"),)

    age_group: Mapped[str] = mapped_column(String(16))
    level_number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LessonStep(Base):
    """A learner's try at one step of a lesson (`predict-0`, `predict-1`, ..., `parsons`)."""

    __tablename__ = "lesson_steps"
    __table_args__ = (UniqueConstraint("user_id", "age_group", "level_number", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    age_group: Mapped[str] = mapped_column(String(16))
    level_number: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
