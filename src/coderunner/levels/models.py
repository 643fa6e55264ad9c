"""Levels of an age group's curriculum."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coderunner.db.base import Base


class Level(Base):
    __tablename__ = "levels"
    __table_args__ = (UniqueConstraint("age_group", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    age_group: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    concepts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cheatsheet_slug: Mapped[str | None] = mapped_column(String(100))
