"""classes: teachers, members (joined or made by the teacher), challenges and their problems;
the leaderboard becomes opt-in (everyone starts hidden)

Revision ID: 0006_classes
Revises: 0005_test_hints_and_rules
Create Date: 2026-12-04 17:34:31.816835
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_classes"
down_revision: str | Sequence[str] | None = "0005_test_hints_and_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("age_group", sa.String(length=16), nullable=False),
        sa.Column("join_code", sa.String(length=16), nullable=False),
        sa.Column("help_failures", sa.Integer(), nullable=False),
        sa.Column("help_idle_minutes", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_classes_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classes")),
        sa.UniqueConstraint("join_code", name=op.f("uq_classes_join_code")),
    )
    op.create_table(
        "class_challenges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contest", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_class_challenges_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_class_challenges_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_challenges")),
    )
    with op.batch_alter_table("class_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_class_challenges_class_id"), ["class_id"], unique=False
        )

    op.create_table(
        "class_members",
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("managed", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_class_members_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_class_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("class_id", "user_id", name=op.f("pk_class_members")),
    )
    with op.batch_alter_table("class_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "class_teachers",
        sa.Column("class_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_class_teachers_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_class_teachers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("class_id", "user_id", name=op.f("pk_class_teachers")),
    )
    with op.batch_alter_table("class_teachers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_class_teachers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "class_challenge_problems",
        sa.Column("challenge_id", sa.String(length=36), nullable=False),
        sa.Column("problem_id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["class_challenges.id"],
            name=op.f("fk_class_challenge_problems_challenge_id_class_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problems.id"],
            name=op.f("fk_class_challenge_problems_problem_id_problems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "challenge_id", "problem_id", name=op.f("pk_class_challenge_problems")
        ),
    )
    # privacy by default: the leaderboard is opt-in, so nobody shows until they choose to
    op.execute(sa.text("UPDATE users SET leaderboard_opt_out = :hidden").bindparams(hidden=True))


def downgrade() -> None:
    op.drop_table("class_challenge_problems")
    with op.batch_alter_table("class_teachers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_teachers_user_id"))

    op.drop_table("class_teachers")
    with op.batch_alter_table("class_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_members_user_id"))

    op.drop_table("class_members")
    with op.batch_alter_table("class_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_challenges_class_id"))

    op.drop_table("class_challenges")
    op.drop_table("classes")
