"""user_session_epoch: a counter in every token; raising it ends all of a user's sessions

Revision ID: 0011_user_session_epoch
Revises: 0010_health_heartbeat
Create Date: 2026-12-04 20:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_user_session_epoch"
down_revision: str | Sequence[str] | None = "0010_health_heartbeat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# plain ALTER TABLE on both backends: a batch (copy) of `users` on SQLite would lose the
# expression index on lower(username)


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    op.drop_column("users", "session_epoch")
