"""The database-wide audit chain: one sequence linking every audit row and report record.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create ``gongkai_audit_links`` (empty: ``gongkai audit seal`` links the existing rows)."""
    op.create_table(
        "gongkai_audit_links",
        sa.Column("seq", _KEY, nullable=False, autoincrement=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("row_key", sa.String(100), nullable=False),
        sa.Column("subject_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_gongkai_audit_links"),
        sa.UniqueConstraint("source", "row_key", name="uq_gongkai_audit_links_source_row"),
    )


def downgrade() -> None:
    """Drop ``gongkai_audit_links``."""
    op.drop_table("gongkai_audit_links")
