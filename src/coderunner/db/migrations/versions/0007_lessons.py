"""lessons (one per level, synced from the content files), the learner's steps through them,
and the "another way" note shown beside a problem's model solution once it is solved

Revision ID: 0007_lessons
Revises: 0006_classes
Create Date: 2026-12-04 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_lessons"
down_revision: str | Sequence[str] | None = "0006_classes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lessons",
        sa.Column("age_group", sa.String(length=16), nullable=False),
        sa.Column("level_number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("age_group", "level_number", name=op.f("pk_lessons")),
    )
    op.create_table(
        "lesson_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("age_group", sa.String(length=16), nullable=False),
        sa.Column("level_number", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lesson_steps_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_steps")),
        sa.UniqueConstraint(
            "user_id",
            "age_group",
            "level_number",
            "step",
            name=op.f("uq_lesson_steps_user_id_age_group_level_number_step"),
        ),
    )
    op.add_column("problems", sa.Column("another_way", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("problems") as batch:
        batch.drop_column("another_way")
    op.drop_table("lesson_steps")
    op.drop_table("lessons")
