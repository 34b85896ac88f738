"""Attachments: their descriptions on the item row, their bytes in a content-addressed table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add ``gongkai_items.attachments`` (empty for existing items) and create ``gongkai_blobs``."""
    op.add_column("gongkai_items", sa.Column("attachments", _JSON, nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "gongkai_blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_gongkai_blobs"),
    )


def downgrade() -> None:
    """Drop ``gongkai_blobs`` and the attachments column."""
    op.drop_table("gongkai_blobs")
    # A plain DROP COLUMN (SQLite 3.35+ has it): rebuilding gongkai_items would break the audit
    # table's foreign key to it.
    op.execute("ALTER TABLE gongkai_items DROP COLUMN attachments")
