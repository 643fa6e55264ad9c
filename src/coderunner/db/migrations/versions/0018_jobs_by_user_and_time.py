"""jobs by user and time: an index for a learner's activity days, first failure and fix

Revision ID: 0018_jobs_by_user_and_time
Revises: 0017_celebrations
Create Date: 2026-12-05 22:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018_jobs_by_user_and_time"
down_revision: str | Sequence[str] | None = "0017_celebrations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_execution_jobs_user_id_created_at", "execution_jobs", ["user_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_execution_jobs_user_id_created_at", table_name="execution_jobs")
