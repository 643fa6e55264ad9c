"""execution jobs: the job table behind /execution (runs and graded submissions)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 13:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "execution_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("problem_id", sa.String(length=100), nullable=True),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("stdin", sa.Text(), nullable=False),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(length=100), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict", sa.String(length=32), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("submission_result", sa.JSON(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problems.id"],
            name=op.f("fk_execution_jobs_problem_id_problems"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_execution_jobs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_execution_jobs")),
    )
    with op.batch_alter_table("execution_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_execution_jobs_queue_status", ["queue", "status"], unique=False)
        batch_op.create_index(
            "ix_execution_jobs_user_id_status", ["user_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_execution_jobs_verdict"), ["verdict"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("execution_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_execution_jobs_verdict"))
        batch_op.drop_index("ix_execution_jobs_user_id_status")
        batch_op.drop_index("ix_execution_jobs_queue_status")
    op.drop_table("execution_jobs")
