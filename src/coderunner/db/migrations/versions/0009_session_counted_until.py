"""Learning sessions remember up to when they counted study time (parallel sessions of one user
never count the same seconds twice)

Revision ID: 0009_session_counted_until
Revises: 0008_judge0
Create Date: 2026-12-04 18:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_session_counted_until"
down_revision: str | Sequence[str] | None = "0008_judge0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learning_sessions") as batch:
        batch.add_column(sa.Column("counted_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("learning_sessions") as batch:
        batch.drop_column("counted_until")
