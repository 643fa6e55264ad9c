"""Drafts: one row per learner, problem and language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base, UTCDateTime, utcnow


class Draft(Base):
    """The learner's latest code for a problem in one language.

    `version` goes up by one at every save and at a reset, never down: a tab or device that
    saves on top of an older version is refused (412), so two windows never silently overwrite
    each other. A reset keeps the row with `code` NULL, so its version still counts.
    """

    __tablename__ = "drafts"

    user_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    problem_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    language: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
