"""Report records: administrative review and litigation cases, director meetings, 建议提案 replies, 表二 figures.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ``gongkai_records``."""
    op.create_table(
        "gongkai_records",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("doc", _JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gongkai_records"),
    )
    op.create_index("ix_gongkai_records_kind_day", "gongkai_records", ["kind", "day"])


def downgrade() -> None:
    """Drop ``gongkai_records``."""
    op.drop_index("ix_gongkai_records_kind_day", table_name="gongkai_records")
    op.drop_table("gongkai_records")
