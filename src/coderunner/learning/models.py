"""A teacher's or admin's unlock of a level for one learner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base, UTCDateTime, utcnow


class LevelUnlock(Base):
    __tablename__ = "level_unlocks"
    __table_args__ = (UniqueConstraint("user_id", "age_group", "level_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    age_group: Mapped[str] = mapped_column(String(16))
    level_number: Mapped[int] = mapped_column(Integer)
    unlocked_by: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
