"""Problems (keyed by their content slug) and their test cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coderunner.db.base import Base, UTCDateTime, utcnow


class Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (Index("ix_problems_age_group_level", "age_group", "level_number", "order"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    age_group: Mapped[str] = mapped_column(String(16))
    level_number: Mapped[int] = mapped_column(Integer)
    order: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text, default="")
    starter_code: Mapped[str] = mapped_column(Text, default="")
    hints: Mapped[list[Any]] = mapped_column(JSON, default=list)
    concepts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    difficulty: Mapped[str] = mapped_column(String(16), default="easy")
    xp: Mapped[int] = mapped_column(Integer, default=10)
    comparison: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    limits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(32), default="python")
    # more languages a learner may choose: {language: {"starterCode", "solution"}}
    other_languages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reference_solution: Mapped[str] = mapped_column(Text, default="")
    # {forbiddenNames, requiredDefs, maxComparisons}: checked with the AST at Submit
    rules: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    # Markdown shown beside the reference solution once the learner has solved the problem
    another_way: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)
    source: Mapped[str] = mapped_column(String(16), default="authored")  # content|authored
    created_by: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL")
    )
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def languages(self) -> list[str]:
        """Every language the problem may be solved in, its own first."""
        return [self.language, *sorted(self.other_languages or {})]

    test_cases: Mapped[list[TestCase]] = relationship(
        back_populates="problem",
        cascade="all, delete-orphan",
        order_by="TestCase.position",
        lazy="raise",
        passive_deletes=True,
    )


class TestCase(Base):
    __tablename__ = "test_cases"
    __table_args__ = (UniqueConstraint("problem_id", "position"),)
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    problem_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("problems.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    input: Mapped[str] = mapped_column(Text, default="")
    expected_output: Mapped[str] = mapped_column(Text, default="")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # in a child's words, what the test checks: shown when a hidden test fails
    hint: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)

    problem: Mapped[Problem] = relationship(back_populates="test_cases", lazy="raise")
