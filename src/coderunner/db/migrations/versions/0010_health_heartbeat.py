"""health_heartbeat: the row /health rewrites to prove the database can write

Revision ID: 0010_health_heartbeat
Revises: 0009_session_counted_until
Create Date: 2026-12-04 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_health_heartbeat"
down_revision: str | Sequence[str] | None = "0009_session_counted_until"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_heartbeat",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_health_heartbeat")),
    )


def downgrade() -> None:
    op.drop_table("health_heartbeat")
