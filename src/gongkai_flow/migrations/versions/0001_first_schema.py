"""The first schema: items, work rows, the hash-chained audit trail, the outbox and its deliveries.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_BIGKEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "gongkai_items",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("drafter_id", sa.String(100), nullable=False),
        sa.Column("sections", _JSON, nullable=False),
        sa.Column("lead_section", sa.String(200), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=True),
        sa.Column("classified", sa.Boolean(), nullable=False),
        sa.Column("attribute", sa.String(20), nullable=True),
        sa.Column("withheld_category", sa.String(40), nullable=True),
        sa.Column("withheld_reason", sa.Text(), nullable=True),
        sa.Column("platforms", _JSON, nullable=False),
        sa.Column("publish_column", sa.String(200), nullable=False),
        sa.Column("policy_id", sa.String(100), nullable=True),
        sa.Column("document_number", sa.String(200), nullable=True),
        sa.Column("formed_on", sa.Date(), nullable=True),
        sa.Column("created_at", _TIME, nullable=True),
        sa.Column("published_at", _TIME, nullable=True),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("chain_id", sa.String(40), nullable=False),
        sa.Column("chain_version", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("signatures", _JSON, nullable=False),
        sa.Column("returned", _JSON, nullable=True),
        sa.Column("overrides", _JSON, nullable=False),
        sa.Column("updated_at", _TIME, nullable=True),
        sa.Column("audit_head", sa.String(64), nullable=False),
        sa.Column("audit_count", sa.Integer(), nullable=False),
        sa.Column("wl_role", sa.String(40), nullable=True),
        sa.Column("wl_scope", sa.String(20), nullable=True),
        sa.Column("wl_key", sa.String(200), nullable=True),
        sa.Column("wl_open", sa.Boolean(), nullable=True),
        sa.Column("wl_blocked", sa.Text(), nullable=True),
        sa.Column("wl_since", _TIME, nullable=True),
        sa.Column("wl_extra", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gongkai_items"),
    )
    op.create_index("ix_gongkai_items_state", "gongkai_items", ["state"])
    op.create_index("ix_gongkai_items_policy_id", "gongkai_items", ["policy_id"])
    op.create_index(
        "ix_gongkai_items_worklist",
        "gongkai_items",
        ["wl_role", "wl_scope", "wl_key", "wl_since", "id", "drafter_id", "wl_open", "wl_blocked"],
        postgresql_where=sa.text("wl_role IS NOT NULL"),
        sqlite_where=sa.text("wl_role IS NOT NULL"),
    )
    op.create_table(
        "gongkai_worklist",
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("scope_key", sa.String(200), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("blocked", sa.Text(), nullable=False),
        sa.Column("since", _TIME, nullable=True),
        sa.Column("drafter_id", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["gongkai_items.id"], name="fk_gongkai_worklist_item_id_gongkai_items", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "slot", name="pk_gongkai_worklist"),
    )
    op.create_index(
        "ix_gongkai_worklist_lookup",
        "gongkai_worklist",
        ["role", "scope", "scope_key", "since", "item_id", "drafter_id", "is_open", "blocked"],
    )
    op.create_table(
        "gongkai_audit",
        sa.Column("id", _BIGKEY, autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=True),
        sa.Column("section", sa.String(200), nullable=False),
        sa.Column("from_state", sa.String(40), nullable=False),
        sa.Column("to_state", sa.String(40), nullable=False),
        sa.Column("decision", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("overrides", _JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["gongkai_items.id"], name="fk_gongkai_audit_item_id_gongkai_items"),
        sa.PrimaryKeyConstraint("id", name="pk_gongkai_audit"),
        sa.UniqueConstraint("item_id", "position", name="uq_gongkai_audit_item_position"),
    )
    op.create_index("ix_gongkai_audit_actor", "gongkai_audit", ["actor_id", "id"])
    op.create_table(
        "gongkai_outbox",
        sa.Column("seq", _BIGKEY, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("done_at", _TIME, nullable=True),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_until", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_gongkai_outbox"),
        sa.UniqueConstraint("event_id", name="uq_gongkai_outbox_event_id"),
    )
    op.create_index(
        "ix_gongkai_outbox_pending",
        "gongkai_outbox",
        ["seq"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "gongkai_deliveries",
        sa.Column("outbox_seq", _BIGKEY, nullable=False),
        sa.Column("receiver", sa.String(300), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", _TIME, nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_seq"],
            ["gongkai_outbox.seq"],
            name="fk_gongkai_deliveries_outbox_seq_gongkai_outbox",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outbox_seq", "receiver", name="pk_gongkai_deliveries"),
    )


def downgrade() -> None:
    """Drop the tables (and everything in them)."""
    op.drop_table("gongkai_deliveries")
    op.drop_index("ix_gongkai_outbox_pending", table_name="gongkai_outbox")
    op.drop_table("gongkai_outbox")
    op.drop_index("ix_gongkai_audit_actor", table_name="gongkai_audit")
    op.drop_table("gongkai_audit")
    op.drop_index("ix_gongkai_worklist_lookup", table_name="gongkai_worklist")
    op.drop_table("gongkai_worklist")
    op.drop_index("ix_gongkai_items_worklist", table_name="gongkai_items")
    op.drop_index("ix_gongkai_items_policy_id", table_name="gongkai_items")
    op.drop_index("ix_gongkai_items_state", table_name="gongkai_items")
    op.drop_table("gongkai_items")
