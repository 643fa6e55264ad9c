"""Learning sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base, UTCDateTime, new_id, utcnow


class LearningSession(Base):
    __tablename__ = "learning_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    age_group: Mapped[str] = mapped_column(String(16))
    level_number: Mapped[int] = mapped_column(Integer)
    problem_id: Mapped[str | None] = mapped_column(
        String(100), ForeignKey("problems.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # the instant up to which this session counted time (the user's latest over all sessions is
    # where the next count starts, so parallel sessions never add up beyond wall time)
    counted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
