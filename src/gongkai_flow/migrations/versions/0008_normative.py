"""Whether a 政策文件 is a 行政规范性文件, on the item.

The annual report counts only 行政规范性文件 in 表二 第二十条第（一）项; the drafter states it on the
review form. Existing rows keep ``NULL`` (not stated).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the nullable ``normative`` column to ``gongkai_items``."""
    op.add_column("gongkai_items", sa.Column("normative", sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Drop ``normative`` again."""
    # A plain DROP COLUMN (SQLite 3.35+ has it) keeps the table's foreign keys intact.
    op.execute("ALTER TABLE gongkai_items DROP COLUMN normative")
