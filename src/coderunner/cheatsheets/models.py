"""Cheatsheets keyed by slug."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base


class Cheatsheet(Base):
    __tablename__ = "cheatsheets"

    slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    age_group: Mapped[str] = mapped_column(String(16), index=True)
    level_number: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
