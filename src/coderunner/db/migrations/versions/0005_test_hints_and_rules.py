"""test cases carry a hint (what the test checks, in a child's words) and problems carry the
rules their statement sets on the code (checked at Submit)

Revision ID: 0005_test_hints_and_rules
Revises: 0004
Create Date: 2026-12-04 17:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_test_hints_and_rules"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("test_cases", sa.Column("hint", sa.Text(), nullable=True))
    op.add_column("problems", sa.Column("rules", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("problems") as batch:
        batch.drop_column("rules")
    with op.batch_alter_table("test_cases") as batch:
        batch.drop_column("hint")
