"""drafts: a learner's code per problem and language, kept on the server

Revision ID: 0016_drafts
Revises: 0014_class_problems
Create Date: 2026-12-04 23:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_drafts"
down_revision: str | Sequence[str] | None = "0014_class_problems"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("problem_id", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problems.id"],
            name=op.f("fk_drafts_problem_id_problems"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_drafts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "problem_id", "language", name=op.f("pk_drafts")),
    )
    op.create_index(op.f("ix_drafts_problem_id"), "drafts", ["problem_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_drafts_problem_id"), table_name="drafts")
    op.drop_table("drafts")
