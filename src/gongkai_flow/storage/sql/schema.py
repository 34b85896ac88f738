"""The SQL schema: column types, the metadata and every table of gongkai_flow.

The tables are declared once on :data:`metadata` (every name starts with ``gongkai_`` so they
can live in the host's own database); the Alembic migrations in :mod:`gongkai_flow.migrations`
create and upgrade them, and :func:`~gongkai_flow.storage.database.create_schema` builds them in
an empty database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from ...fields import ID_MAX, NAME_MAX

# --- column types -----------------------------------------------------------------------------


class _SQLiteDateTime(sqlite.DATETIME):
    """SQLite's ``DATETIME``, written with one C call.

    ``isoformat`` gives the text SQLAlchemy's own format does (``2019-09-20 02:00:00.000000``),
    which a string format filled from a dict of seven fields made, for every time of every row.
    Reading is SQLAlchemy's (``fromisoformat`` already).
    """

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """Naive times as ISO text with a space and microseconds; anything else as SQLAlchemy writes it."""
        written = super().bind_processor(dialect)
        assert written is not None  # SQLite's DATETIME always converts

        def process(value: Any) -> Any:
            if value.__class__ is datetime and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return written(value)

        return process


_SQLITE_DATETIME: Final = _SQLiteDateTime()  # type: ignore[no-untyped-call]  # SQLAlchemy's __init__ is untyped


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A point in time, stored in UTC and read back as an aware UTC ``datetime``.

    PostgreSQL keeps ``timestamptz``; SQLite keeps the naive UTC time. A naive time given to it is
    taken as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive for SQLite)."""
        if value is None:
            return None
        zone = value.tzinfo
        if zone is not UTC:  # most times are made in UTC already: no conversion for them
            value = value.replace(tzinfo=UTC) if zone is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        """SQLite's ``DATETIME`` with a faster writer (same text, same DDL); elsewhere the usual type."""
        if dialect.name == "sqlite":
            return _SQLITE_DATETIME
        return super().load_dialect_impl(dialect)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC time."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON documents: ``jsonb`` on PostgreSQL, JSON text elsewhere.
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

#: A 64-bit key that is also SQLite's rowid alias.
BigKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The longest id and name, from the one table of field limits the validators read too: a value the
# validators let through always fits, on every backend.
_ID: Final = ID_MAX
_NAME: Final = NAME_MAX

# --- tables ------------------------------------------------------------------------------------

#: All of gongkai_flow's tables. Hosts may add it to their own Alembic ``target_metadata``.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

#: The item columns a worklist line (:class:`~gongkai_flow.storage.worklist.WorkItem`) is built from, in order.
WORK_LINE_COLUMNS: Final = (
    "id",
    "title",
    "kind",
    "state",
    "chain_id",
    "chain_version",
    "sections",
    "drafter_id",
    "version",
)
#: The columns of the SQLite index of open items: a worklist line's, and the condition's.
OPEN_ITEM_COLUMNS: Final = (*WORK_LINE_COLUMNS, "wl_role")

items_table = sa.Table(
    "gongkai_items",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    # The review form (附件2).
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("drafter_id", sa.String(_ID), nullable=False),
    sa.Column("sections", JSONDoc, nullable=False),
    sa.Column("lead_section", sa.String(_NAME), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("source_name", sa.Text),
    sa.Column("classified", sa.Boolean, nullable=False),
    sa.Column("attribute", sa.String(20)),
    sa.Column("withheld_category", sa.String(40)),
    sa.Column("withheld_reason", sa.Text),
    sa.Column("platforms", JSONDoc, nullable=False),
    sa.Column("publish_column", sa.String(_NAME), nullable=False),
    sa.Column("policy_id", sa.String(_ID)),
    sa.Column("document_number", sa.String(_NAME)),
    sa.Column("normative", sa.Boolean),
    sa.Column("formed_on", sa.Date),
    # 附件: [{name, media_type, size, sha256}, …]; the bytes are rows of gongkai_blobs.
    sa.Column("attachments", JSONDoc, nullable=False, server_default=sa.text("'[]'")),
    sa.Column("created_at", UTCDateTime),
    sa.Column("published_at", UTCDateTime),
    # The workflow.
    sa.Column("state", sa.String(40), nullable=False),
    sa.Column("chain_id", sa.String(40), nullable=False),
    sa.Column("chain_version", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("signatures", JSONDoc, nullable=False),
    sa.Column("returned", JSONDoc),
    sa.Column("overrides", JSONDoc, nullable=False),
    # The duties the item fulfils when published ("CODE@PERIOD"); rows of gongkai_duty_tags too.
    sa.Column("duty_tags", JSONDoc, nullable=False, server_default=sa.text("'[]'")),
    sa.Column("updated_at", UTCDateTime),
    # The audit chain's head: the hash of the last entry and how many there are.
    sa.Column("audit_head", sa.String(64), nullable=False),
    sa.Column("audit_count", sa.Integer, nullable=False),
    # The first work row (see storage.worklist); the others are in gongkai_worklist.
    sa.Column("wl_role", sa.String(40)),
    sa.Column("wl_scope", sa.String(20)),
    sa.Column("wl_key", sa.String(_NAME)),
    sa.Column("wl_open", sa.Boolean),
    sa.Column("wl_blocked", sa.Text),
    sa.Column("wl_since", UTCDateTime),
    sa.Column("wl_extra", sa.Integer, nullable=False),
    sa.Index("ix_gongkai_items_state", "state"),
    sa.Index("ix_gongkai_items_policy_id", "policy_id"),
    # Covering (every column the worklist query tests or returns), and only over unfinished items.
    sa.Index(
        "ix_gongkai_items_worklist",
        "wl_role",
        "wl_scope",
        "wl_key",
        "wl_since",
        "id",
        "drafter_id",
        "wl_open",
        "wl_blocked",
        postgresql_where=sa.text("wl_role IS NOT NULL"),
        sqlite_where=sa.text("wl_role IS NOT NULL"),
    ),
    # SQLite only: a worklist line's columns for open items, by id. SQLite reads a row's columns
    # in order through its overflow pages, so ``state`` after a long body costs page reads per
    # line; PostgreSQL reads one heap tuple, and its index rows are capped in size.
    sa.Index(
        "ix_gongkai_items_open",
        *OPEN_ITEM_COLUMNS,
        sqlite_where=sa.text("wl_role IS NOT NULL"),
    ).ddl_if(dialect="sqlite"),
)

worklist_table = sa.Table(
    "gongkai_worklist",
    metadata,
    sa.Column("item_id", sa.String(_ID), sa.ForeignKey("gongkai_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("slot", sa.Integer, primary_key=True),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("scope", sa.String(20), nullable=False),
    sa.Column("scope_key", sa.String(_NAME), nullable=False),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("blocked", sa.Text, nullable=False),
    sa.Column("since", UTCDateTime),
    sa.Column("drafter_id", sa.String(_ID), nullable=False),
    sa.Index(
        "ix_gongkai_worklist_lookup",
        "role",
        "scope",
        "scope_key",
        "since",
        "item_id",
        "drafter_id",
        "is_open",
        "blocked",
    ),
)


def audit_columns(subject_table: str) -> list[sa.Column[Any]]:
    """The columns of a hash-chained audit trail whose ``item_id`` points at ``subject_table``.

    One definition for every trail (items and applications), so the
    entries map and verify the same way.
    """
    return [
        sa.Column("id", BigKey, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(_ID), sa.ForeignKey(f"{subject_table}.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.String(_ID), nullable=False),
        sa.Column("actor_name", sa.String(_NAME), nullable=False),
        sa.Column("role", sa.String(40)),
        sa.Column("section", sa.String(_NAME), nullable=False),
        sa.Column("from_state", sa.String(40), nullable=False),
        sa.Column("to_state", sa.String(40), nullable=False),
        sa.Column("decision", sa.String(_NAME), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("event_id", sa.String(_ID), nullable=False),
        sa.Column("opinion", sa.Text),
        sa.Column("signed", sa.Boolean, nullable=False),
        sa.Column("overrides", JSONDoc, nullable=False),
        # The day the action happened; ``at`` is when it was recorded (revision 0005).
        sa.Column("occurred_on", sa.Date),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    ]


audit_table = sa.Table(
    "gongkai_audit",
    metadata,
    *audit_columns("gongkai_items"),
    sa.UniqueConstraint("item_id", "position", name="uq_gongkai_audit_item_position"),
    sa.Index("ix_gongkai_audit_actor", "actor_id", "id"),
)

outbox_table = sa.Table(
    "gongkai_outbox",
    metadata,
    sa.Column("seq", BigKey, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(_ID), nullable=False, unique=True),
    sa.Column("event_type", sa.String(40), nullable=False),
    sa.Column("item_id", sa.String(_ID), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("done_at", UTCDateTime),
    sa.Column("lease_owner", sa.String(_NAME)),
    sa.Column("lease_until", UTCDateTime),
    sa.Index(
        "ix_gongkai_outbox_pending",
        "seq",
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
)

deliveries_table = sa.Table(
    "gongkai_deliveries",
    metadata,
    sa.Column("outbox_seq", BigKey, sa.ForeignKey("gongkai_outbox.seq", ondelete="CASCADE"), primary_key=True),
    sa.Column("receiver", sa.String(300), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

actors_table = sa.Table(
    "gongkai_actors",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("name", sa.String(_NAME), nullable=False),
    sa.Column("section", sa.String(_NAME), nullable=False),
    sa.Column("roles", JSONDoc, nullable=False),
    sa.Column("in_charge_of", JSONDoc, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: The tables in the order they depend on each other.
timers_table = sa.Table(
    "gongkai_timers",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("rule_id", sa.String(20), nullable=False),
    sa.Column("subject_id", sa.String(_ID), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("due", UTCDateTime, nullable=False),
    sa.Column("responsible", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("provisional", sa.Boolean, nullable=False),
    sa.Column("paused_at", UTCDateTime),
    sa.Column("remaining_workdays", sa.Integer),
    sa.Column("extended_days", sa.Integer, nullable=False),
    sa.Column("extension_approver", sa.String(_ID)),
    sa.Column("notified", sa.String(60), nullable=False),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("next_check_at", UTCDateTime),
    sa.Column("lead", sa.Integer),
    sa.Index(
        "ix_gongkai_timers_next_check_at",
        "next_check_at",
        postgresql_where=sa.text("next_check_at IS NOT NULL"),
        sqlite_where=sa.text("next_check_at IS NOT NULL"),
    ),
    sa.Index("ix_gongkai_timers_subject_id", "subject_id"),
    sa.Index("ix_gongkai_timers_due", "due"),
)

applications_table = sa.Table(
    "gongkai_applications",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("state", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("applicant_name", sa.String(200), nullable=False),
    sa.Column("linked_item_id", sa.String(_ID)),
    sa.Column("doc", JSONDoc, nullable=False),
    sa.Column("audit_head", sa.String(64), nullable=False),
    sa.Column("audit_count", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_gongkai_applications_state", "state"),
)

application_audit_table = sa.Table(
    "gongkai_application_audit",
    metadata,
    *audit_columns("gongkai_applications"),
    sa.UniqueConstraint("item_id", "position", name="uq_gongkai_application_audit_item_position"),
)

records_table = sa.Table(
    "gongkai_records",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("doc", JSONDoc, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_gongkai_records_kind_day", "kind", "day"),
)


blobs_table = sa.Table(
    "gongkai_blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

audit_links_table = sa.Table(
    "gongkai_audit_links",
    metadata,
    # One database-wide sequence over every audit row (items, applications) and report record.
    # Written after the audited rows committed, by a sealing step, so writers never wait on it.
    sa.Column("seq", BigKey, primary_key=True, autoincrement=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("row_key", sa.String(_ID), nullable=False),
    sa.Column("subject_id", sa.String(_ID), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("linked_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("source", "row_key", name="uq_gongkai_audit_links_source_row"),
)

timer_history_table = sa.Table(
    "gongkai_timer_history",
    metadata,
    # Every stored change of a timer, hash-linked per timer; the database-wide chain links each row.
    sa.Column("id", BigKey, primary_key=True, autoincrement=True),
    sa.Column("timer_id", sa.String(_ID), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("content", JSONDoc, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("timer_id", "position", name="uq_gongkai_timer_history_timer_position"),
)

duty_tags_table = sa.Table(
    "gongkai_duty_tags",
    metadata,
    # One row per (item, duty, period) an item is tagged with, rewritten by every save of a tagged
    # item: ``published_at`` is set while the item fulfils its duties (published, not retracted),
    # with the title and column it was published with, so the status never joins the items.
    sa.Column("item_id", sa.String(_ID), nullable=False),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("period", sa.String(_ID), nullable=False),
    sa.Column("published_at", UTCDateTime),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("publish_column", sa.String(_NAME), nullable=False),
    sa.PrimaryKeyConstraint("item_id", "code", "period", name="pk_gongkai_duty_tags"),
    sa.Index("ix_gongkai_duty_tags_period_code", "period", "code", "published_at"),
)

duty_events_table = sa.Table(
    "gongkai_duty_events",
    metadata,
    # An event that starts a triggered duty (a 双随机 check closed, a budget approved).
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("key", sa.String(_ID), nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("code", "key", name="pk_gongkai_duty_events"),
    sa.Index("ix_gongkai_duty_events_occurred_at", "occurred_at"),
)

duty_notices_table = sa.Table(
    "gongkai_duty_notices",
    metadata,
    # A reminder or escalation sent for one duty and period: its primary key makes it once.
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("period", sa.String(_ID), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("code", "period", "kind", name="pk_gongkai_duty_notices"),
)

#: gongkai_flow's own tables of revision 0002 (items, audit, outbox, actors).
TABLES: Final = (items_table, worklist_table, audit_table, outbox_table, deliveries_table, actors_table)
#: The clock and 依申请公开 tables (revision 0003).
CLOCK_TABLES: Final = (timers_table, applications_table, application_audit_table)
#: The report records' table (revision 0004).
RECORDS_TABLES: Final = (records_table,)
#: The attachments' content-addressed bytes (revision 0005).
BLOB_TABLES: Final = (blobs_table,)
#: The database-wide chain over every audit row and record (revision 0007).
LINK_TABLES: Final = (audit_links_table,)
#: The timers' change history (revision 0009).
TIMER_HISTORY_TABLES: Final = (timer_history_table,)
#: The duty catalogue's tags, events and notices (revision 0010).
DUTY_TABLES: Final = (duty_tags_table, duty_events_table, duty_notices_table)
#: Written inline (not as a parameter) so that the partial index on pending events always applies.
PENDING: Final = outbox_table.c.status == sa.literal_column("'pending'")
