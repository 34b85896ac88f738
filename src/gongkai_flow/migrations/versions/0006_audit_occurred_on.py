"""The day an audited action happened, beside the time it was recorded.

An application's receipt, 补正 or consultation is often recorded days after it took place; its
clocks count from the day it took place, and the audit keeps both.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_TABLES = ("gongkai_audit", "gongkai_application_audit")


def upgrade() -> None:
    """Add the nullable ``occurred_on`` column to both audit trails (existing rows keep ``NULL``)."""
    for table in _TABLES:
        op.add_column(table, sa.Column("occurred_on", sa.Date(), nullable=True))


def downgrade() -> None:
    """Drop ``occurred_on`` again."""
    for table in _TABLES:
        # A plain DROP COLUMN (SQLite 3.35+ has it) keeps the tables' foreign keys intact.
        op.execute(f"ALTER TABLE {table} DROP COLUMN occurred_on")
