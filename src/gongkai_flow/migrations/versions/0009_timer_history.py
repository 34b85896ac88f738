"""The statutory timers' change history: every stored change of a timer, hash-linked per timer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-20
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gongkai_flow.storage.sql.schema import UTCDateTime
from gongkai_flow.storage.timer_history import FIELD_LABELS, next_row, timer_content

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIMES = ("started_at", "due", "paused_at", "closed_at", "next_check_at")


def upgrade() -> None:
    """Create ``gongkai_timer_history`` and give every existing timer its first history row."""
    history = op.create_table(
        "gongkai_timer_history",
        sa.Column("id", _KEY, autoincrement=True, nullable=False),
        sa.Column("timer_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content", _JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gongkai_timer_history"),
        sa.UniqueConstraint("timer_id", "position", name="uq_gongkai_timer_history_timer_position"),
    )
    # The timers as they are now are the start of their history (nothing earlier was kept).
    columns = [sa.column(n, UTCDateTime if n in _TIMES else None) for n in ("id", *FIELD_LABELS)]
    timers = sa.table("gongkai_timers", *columns)
    bind = op.get_bind()
    now = datetime.now(UTC)
    rows = []
    for row in bind.execute(sa.select(timers).order_by(timers.c.id)):
        m = row._mapping
        first = next_row(m["id"], timer_content(m), None)
        assert first is not None
        rows.append(
            {
                "timer_id": first.timer_id,
                "position": first.position,
                "content": dict(first.content),
                "prev_hash": first.prev_hash,
                "hash": first.hash,
                "recorded_at": now if bind.dialect.name != "sqlite" else now.replace(tzinfo=None),
            }
        )
    if rows:
        op.bulk_insert(history, rows)


def downgrade() -> None:
    """Drop ``gongkai_timer_history`` (the timers' history is lost; see docs/storage.md)."""
    op.execute("DROP TABLE gongkai_timer_history")
