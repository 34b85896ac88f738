"""The duty catalogue: items' duty tags, the events of triggered duties, the notices sent.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add ``gongkai_items.duty_tags`` and the three ``gongkai_duty_…`` tables."""
    op.add_column("gongkai_items", sa.Column("duty_tags", _JSON, nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "gongkai_duty_tags",
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("period", sa.String(100), nullable=False),
        sa.Column("published_at", _WHEN),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("publish_column", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "code", "period", name="pk_gongkai_duty_tags"),
    )
    op.create_index("ix_gongkai_duty_tags_period_code", "gongkai_duty_tags", ["period", "code", "published_at"])
    op.create_table(
        "gongkai_duty_events",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("occurred_at", _WHEN, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", "key", name="pk_gongkai_duty_events"),
    )
    op.create_index("ix_gongkai_duty_events_occurred_at", "gongkai_duty_events", ["occurred_at"])
    op.create_table(
        "gongkai_duty_notices",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("period", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sent_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("code", "period", "kind", name="pk_gongkai_duty_notices"),
    )


def downgrade() -> None:
    """Drop the duty tables and ``gongkai_items.duty_tags``."""
    op.drop_table("gongkai_duty_notices")
    op.drop_index("ix_gongkai_duty_events_occurred_at", table_name="gongkai_duty_events")
    op.drop_table("gongkai_duty_events")
    op.drop_index("ix_gongkai_duty_tags_period_code", table_name="gongkai_duty_tags")
    op.drop_table("gongkai_duty_tags")
    # A plain DROP COLUMN: rebuilding gongkai_items would break the audit table's foreign key to it.
    op.execute("ALTER TABLE gongkai_items DROP COLUMN duty_tags")
