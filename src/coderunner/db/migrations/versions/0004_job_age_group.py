"""execution jobs keep the learner's age group (the explanation's wording) so a worker needn't
look the learner up when it claims the job

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("execution_jobs", sa.Column("age_group", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("execution_jobs") as batch:
        batch.drop_column("age_group")
