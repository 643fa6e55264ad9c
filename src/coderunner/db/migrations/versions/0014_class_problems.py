"""class_problems: problems a teacher wrote for one class, seen only by that class

Revision ID: 0014_class_problems
Revises: 0013_problem_other_languages
Create Date: 2026-12-04 20:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_class_problems"
down_revision: str | Sequence[str] | None = "0013_problem_other_languages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "class_problems",
        sa.Column("problem_id", sa.String(length=100), nullable=False),
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_class_problems_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problems.id"],
            name=op.f("fk_class_problems_problem_id_problems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("problem_id", name=op.f("pk_class_problems")),
    )
    op.create_index(op.f("ix_class_problems_class_id"), "class_problems", ["class_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_class_problems_class_id"), table_name="class_problems")
    op.drop_table("class_problems")
