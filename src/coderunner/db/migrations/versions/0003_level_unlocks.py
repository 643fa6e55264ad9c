"""level unlocks: a teacher's or admin's unlock of a level for one learner

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 14:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "level_unlocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("age_group", sa.String(length=16), nullable=False),
        sa.Column("level_number", sa.Integer(), nullable=False),
        sa.Column("unlocked_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_level_unlocks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unlocked_by"],
            ["users.id"],
            name=op.f("fk_level_unlocks_unlocked_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level_unlocks")),
        sa.UniqueConstraint(
            "user_id",
            "age_group",
            "level_number",
            name=op.f("uq_level_unlocks_user_id_age_group_level_number"),
        ),
    )


def downgrade() -> None:
    op.drop_table("level_unlocks")
