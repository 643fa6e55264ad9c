"""A moment to celebrate with the learner: recorded when it happens, shown once."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base, UTCDateTime, utcnow


class CelebrationKind(enum.StrEnum):
    SOLVED = "solved"  # key: the problem's id
    BADGE = "badge"  # key: the badge's id
    LEVEL_OPEN = "level_open"  # key: "<age group>:<level number>"
    STREAK = "streak"  # key: "<days>:<the day it was reached>"


class Celebration(Base):
    """One event for one learner. (user, kind, key) is unique: an event happens once, ever."""

    __tablename__ = "celebrations"
    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(36), ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(120))
    # what it names, as it was then: a problem's title, a badge's name, a level's title
    title: Mapped[str] = mapped_column(String(200), default="")
    # the XP of a solve, a level's number, a streak's days
    number: Mapped[int | None] = mapped_column(Integer)
    age_group: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
