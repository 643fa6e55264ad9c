"""problem_other_languages: more languages a learner may choose for one problem

Revision ID: 0013_problem_other_languages
Revises: 0012_job_draft
Create Date: 2026-12-04 21:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_problem_other_languages"
down_revision: str | Sequence[str] | None = "0012_job_draft"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("problems") as batch:
        batch.add_column(
            sa.Column("other_languages", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("problems") as batch:
        batch.drop_column("other_languages")
