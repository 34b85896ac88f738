"""SQLite: a covering index of open items' worklist lines.

A worklist line (id, title, kind, stage, chain, sections, drafter, version) of an item under
review is read from this index instead of the item's row, whose long body SQLite would otherwise
page through for every line. Partial: only items with a work row (``wl_role`` set), about 1 % of
a bureau's items. PostgreSQL reads the row itself (one heap tuple) and gets no such index.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = ["id", "title", "kind", "state", "chain_id", "chain_version", "sections", "drafter_id", "version", "wl_role"]


def upgrade() -> None:
    """Create ``ix_gongkai_items_open`` on SQLite."""
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_gongkai_items_open", "gongkai_items", _COLUMNS, sqlite_where=sa.text("wl_role IS NOT NULL"))


def downgrade() -> None:
    """Drop it again."""
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_gongkai_items_open", table_name="gongkai_items")
