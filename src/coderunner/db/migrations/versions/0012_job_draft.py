"""job_draft: a teacher's check of a draft problem carries the draft's tests with the job

Revision ID: 0012_job_draft
Revises: 0011_user_session_epoch
Create Date: 2026-12-04 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_job_draft"
down_revision: str | Sequence[str] | None = "0011_user_session_epoch"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("execution_jobs", sa.Column("draft", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("execution_jobs") as batch:
        batch.drop_column("draft")
