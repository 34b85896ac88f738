"""Statutory clocks and 依申请公开 applications: timers, applications and their audit trail.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ``gongkai_timers``, ``gongkai_applications`` and ``gongkai_application_audit``."""
    op.create_table(
        "gongkai_timers",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("rule_id", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.String(100), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("due", _TS, nullable=False),
        sa.Column("responsible", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("paused_at", _TS),
        sa.Column("remaining_workdays", sa.Integer()),
        sa.Column("extended_days", sa.Integer(), nullable=False),
        sa.Column("extension_approver", sa.String(100)),
        sa.Column("notified", sa.String(60), nullable=False),
        sa.Column("closed_at", _TS),
        sa.Column("next_check_at", _TS),
        sa.Column("lead", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_gongkai_timers"),
    )
    op.create_index(
        "ix_gongkai_timers_next_check_at",
        "gongkai_timers",
        ["next_check_at"],
        postgresql_where=sa.text("next_check_at IS NOT NULL"),
        sqlite_where=sa.text("next_check_at IS NOT NULL"),
    )
    op.create_index("ix_gongkai_timers_subject_id", "gongkai_timers", ["subject_id"])
    op.create_index("ix_gongkai_timers_due", "gongkai_timers", ["due"])
    op.create_table(
        "gongkai_applications",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("applicant_name", sa.String(200), nullable=False),
        sa.Column("linked_item_id", sa.String(100)),
        sa.Column("doc", _JSON, nullable=False),
        sa.Column("audit_head", sa.String(64), nullable=False),
        sa.Column("audit_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gongkai_applications"),
    )
    op.create_index("ix_gongkai_applications_state", "gongkai_applications", ["state"])
    op.create_table(
        "gongkai_application_audit",
        sa.Column("id", _KEY, autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40)),
        sa.Column("section", sa.String(200), nullable=False),
        sa.Column("from_state", sa.String(40), nullable=False),
        sa.Column("to_state", sa.String(40), nullable=False),
        sa.Column("decision", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("opinion", sa.Text()),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("overrides", _JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["gongkai_applications.id"], name="fk_gongkai_application_audit_item_id_gongkai_applications"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_gongkai_application_audit"),
        sa.UniqueConstraint("item_id", "position", name="uq_gongkai_application_audit_item_position"),
    )


def downgrade() -> None:
    """Drop the clock and application tables."""
    op.drop_table("gongkai_application_audit")
    op.drop_index("ix_gongkai_applications_state", table_name="gongkai_applications")
    op.drop_table("gongkai_applications")
    op.drop_index("ix_gongkai_timers_due", table_name="gongkai_timers")
    op.drop_index("ix_gongkai_timers_subject_id", table_name="gongkai_timers")
    op.drop_index("ix_gongkai_timers_next_check_at", table_name="gongkai_timers")
    op.drop_table("gongkai_timers")
