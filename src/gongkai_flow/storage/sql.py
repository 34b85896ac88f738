"""SQL storage (SQLAlchemy 2.x Core): the tables, the repository and the outbox.

The tables are declared once on :data:`metadata` (every name starts with ``gongkai_`` so they
can live in the host's own database); the Alembic migrations in :mod:`gongkai_flow.migrations`
create and upgrade them. Domain objects stay plain attrs values: rows are mapped to and from them
here, at the boundary, and nothing is ORM-mapped.

:class:`SqlRepository` works inside the caller's transaction — it takes a ``Session`` (or a
``Connection``) and never commits. :class:`SqlOutbox` runs the dispatcher's own short
transactions from an engine.

Optimistic concurrency: every save is an ``UPDATE … WHERE id = :id AND version = :read``; the
loser of a race updates no row and gets :class:`~gongkai_flow.errors.StaleItemError` before it
wrote anything. The audit entry's link to its predecessor is part of the same check (the item
row keeps the hash of its last entry), so two writers can never fork a chain.
"""

from __future__ import annotations

import enum
import json
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar, final

import attrs
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Dialect, Row
from sqlalchemy.orm import Session

from ..chain import Scope
from ..engine import Outcome, Workflow
from ..errors import ItemNotFoundError, StaleItemError
from ..events import Event, event_from_dict
from ..model import (
    Actor,
    AuditEntry,
    DisclosureAttribute,
    DisclosureItem,
    InfoSource,
    ItemKind,
    NegativeListCategory,
    Override,
    Platform,
    ReturnMark,
    Role,
    Signature,
)
from .database import storage_errors, translated
from .hashchain import GENESIS, AuditProblem, AuditRecord, AuditReport, chain_entries, verify_chain
from .memory import stale_message, standard_workflow
from .worklist import WorkRow, blocked_token, work_rows

# --- column types -----------------------------------------------------------------------------


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
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC time."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON documents: ``jsonb`` on PostgreSQL, JSON text elsewhere.
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

#: A 64-bit key that is also SQLite's rowid alias.
BigKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_ID = 100
_NAME = 200

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
    sa.Column("formed_on", sa.Date),
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

    One definition for every trail (items here, applications in ``storage.timers``), so the
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
TABLES: Final = (items_table, worklist_table, audit_table, outbox_table, deliveries_table, actors_table)

# --- mapping --------------------------------------------------------------------------------------


E = TypeVar("E", bound=enum.Enum)


def member(cls: type[E], value: Any) -> E:
    """The member of ``cls`` whose value is ``value`` (the labelled enums' own constructor wants a label too)."""
    found = cls._value2member_map_.get(value)
    if found is None:
        return cls(value)  # raises the usual ValueError
    return found  # type: ignore[return-value]


def _signature_doc(s: Signature) -> dict[str, Any]:
    return {
        "stage": s.stage,
        "role": s.role.value,
        "actor_id": s.actor_id,
        "actor_name": s.actor_name,
        "section": s.section,
        "content_hash": s.content_hash,
        "at": s.at.isoformat(),
        "opinion": s.opinion,
    }


def _signature(doc: Mapping[str, Any]) -> Signature:
    return Signature(
        stage=doc["stage"],
        role=member(Role, doc["role"]),
        actor_id=doc["actor_id"],
        actor_name=doc["actor_name"],
        section=doc["section"],
        content_hash=doc["content_hash"],
        at=datetime.fromisoformat(doc["at"]),
        opinion=doc.get("opinion"),
    )


def override_doc(o: Override) -> dict[str, Any]:
    """An override as a JSON document."""
    return {
        "rule_id": o.rule_id,
        "reason": o.reason,
        "actor_id": o.actor_id,
        "actor_name": o.actor_name,
        "stage": o.stage,
        "content_hash": o.content_hash,
        "at": o.at.isoformat(),
        "message": o.message,
    }


def override_from_doc(doc: Mapping[str, Any]) -> Override:
    """An override read back from :func:`override_doc`."""
    return Override(**{**doc, "at": datetime.fromisoformat(doc["at"])})


def item_values(item: DisclosureItem, columns: frozenset[str] | None = None) -> dict[str, Any]:
    """The item's own columns (not the audit head or the worklist); only ``columns`` if given."""
    if columns is not None:
        return {name: _COLUMN_VALUE[name](item) for name in columns if name in _COLUMN_VALUE}
    returned = item.returned
    return {
        "id": item.id,
        "title": item.title,
        "kind": item.kind.value,
        "body": item.body,
        "drafter_id": item.drafter_id,
        "sections": list(item.sections),
        "lead_section": item.lead_section,
        "source": item.source.value,
        "source_name": item.source_name,
        "classified": item.classified,
        "attribute": item.attribute.value if item.attribute is not None else None,
        "withheld_category": item.withheld_category.value if item.withheld_category is not None else None,
        "withheld_reason": item.withheld_reason,
        "platforms": sorted(p.value for p in item.platforms),
        "publish_column": item.column,
        "policy_id": item.policy_id,
        "document_number": item.document_number,
        "formed_on": item.formed_on,
        "created_at": item.created_at,
        "published_at": item.published_at,
        "state": item.state,
        "chain_id": item.chain_id,
        "chain_version": item.chain_version,
        "version": item.version,
        "content_hash": item.content_hash,
        "signatures": [_signature_doc(s) for s in item.signatures],
        "returned": (
            None
            if returned is None
            else {
                "stage": returned.stage,
                "actor_id": returned.actor_id,
                "content_hash": returned.content_hash,
                "opinion": returned.opinion,
            }
        ),
        "overrides": [override_doc(o) for o in item.overrides],
    }


def _returned_doc(item: DisclosureItem) -> dict[str, Any] | None:
    r = item.returned
    if r is None:
        return None
    return {"stage": r.stage, "actor_id": r.actor_id, "content_hash": r.content_hash, "opinion": r.opinion}


#: How each column of ``gongkai_items`` is computed from an item (for partial updates).
_COLUMN_VALUE: Final[dict[str, Any]] = {
    "sections": lambda i: list(i.sections),
    "lead_section": lambda i: i.lead_section,
    "kind": lambda i: i.kind.value,
    "source": lambda i: i.source.value,
    "attribute": lambda i: i.attribute.value if i.attribute is not None else None,
    "withheld_category": lambda i: i.withheld_category.value if i.withheld_category is not None else None,
    "platforms": lambda i: sorted(p.value for p in i.platforms),
    "publish_column": lambda i: i.column,
    "signatures": lambda i: [_signature_doc(s) for s in i.signatures],
    "returned": _returned_doc,
    "overrides": lambda i: [override_doc(o) for o in i.overrides],
    **{
        name: (lambda n: lambda i: getattr(i, n))(name)
        for name in (
            "id",
            "title",
            "body",
            "drafter_id",
            "source_name",
            "classified",
            "withheld_reason",
            "policy_id",
            "document_number",
            "formed_on",
            "created_at",
            "published_at",
            "state",
            "chain_id",
            "chain_version",
            "version",
            "content_hash",
        )
    },
}


def worklist_values(rows: Sequence[WorkRow], since: datetime | None) -> dict[str, Any]:
    """The item row's worklist columns: its first work row (or nothing), and how many follow."""
    if not rows:
        return {
            "wl_role": None,
            "wl_scope": None,
            "wl_key": None,
            "wl_open": None,
            "wl_blocked": None,
            "wl_since": None,
            "wl_extra": 0,
        }
    first = rows[0]
    return {
        "wl_role": first.role.value,
        "wl_scope": first.scope.value,
        "wl_key": first.key,
        "wl_open": first.open,
        "wl_blocked": first.blocked_text,
        "wl_since": since,
        "wl_extra": len(rows) - 1,
    }


def item_from_row(row: Row[Any] | Mapping[Any, Any]) -> DisclosureItem:
    """Rebuild a :class:`DisclosureItem` from a row of ``gongkai_items``."""
    m: Mapping[Any, Any] = row._mapping if isinstance(row, Row) else row
    returned = m["returned"]
    attribute = m["attribute"]
    category = m["withheld_category"]
    return DisclosureItem(
        id=m["id"],
        title=m["title"],
        kind=member(ItemKind, m["kind"]),
        body=m["body"],
        drafter_id=m["drafter_id"],
        sections=tuple(m["sections"]),
        source=member(InfoSource, m["source"]),
        source_name=m["source_name"],
        classified=bool(m["classified"]),
        attribute=member(DisclosureAttribute, attribute) if attribute is not None else None,
        withheld_category=member(NegativeListCategory, category) if category is not None else None,
        withheld_reason=m["withheld_reason"],
        platforms=frozenset(member(Platform, p) for p in m["platforms"]),
        column=m["publish_column"],
        policy_id=m["policy_id"],
        document_number=m["document_number"],
        formed_on=m["formed_on"],
        created_at=m["created_at"],
        published_at=m["published_at"],
        state=m["state"],
        chain_id=m["chain_id"],
        chain_version=m["chain_version"],
        version=m["version"],
        content_hash=m["content_hash"],
        signatures=tuple(_signature(s) for s in m["signatures"]),
        returned=None if returned is None else ReturnMark(**returned),
        overrides=tuple(override_from_doc(o) for o in m["overrides"] or ()),
    )


def _audit_values(item_id: str, position: int, prev: str, digest: str, e: AuditEntry) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "position": position,
        "action": e.action,
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "role": e.role.value if e.role is not None else None,
        "section": e.section,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "decision": e.decision,
        "content_hash": e.content_hash,
        "at": e.at,
        "event_id": e.event_id,
        "opinion": e.opinion,
        "signed": e.signed,
        "overrides": [override_doc(o) for o in e.overrides],
        "prev_hash": prev,
        "hash": digest,
    }


def audit_entry_from_row(m: Mapping[Any, Any]) -> AuditEntry:
    """Rebuild an :class:`AuditEntry` from a row of ``gongkai_audit``."""
    return AuditEntry(
        item_id=m["item_id"],
        action=m["action"],
        actor_id=m["actor_id"],
        actor_name=m["actor_name"],
        role=member(Role, m["role"]) if m["role"] is not None else None,
        section=m["section"],
        from_state=m["from_state"],
        to_state=m["to_state"],
        decision=m["decision"],
        content_hash=m["content_hash"],
        at=m["at"],
        event_id=m["event_id"],
        opinion=m["opinion"],
        signed=bool(m["signed"]),
        overrides=tuple(override_from_doc(o) for o in m["overrides"] or ()),
    )


def _audit_record(m: Mapping[Any, Any]) -> AuditRecord:
    return AuditRecord(m["position"], audit_entry_from_row(m), m["prev_hash"], m["hash"], m["id"])


_EVENT_FIELDS: dict[type[Event], tuple[str, ...]] = {}


def event_payload(event: Event) -> str:
    """The outbox's JSON text for ``event``: :meth:`Event.to_dict`'s document, built without ``attrs.asdict``."""
    cls = type(event)
    names = _EVENT_FIELDS.get(cls)
    if names is None:
        names = _EVENT_FIELDS[cls] = tuple(f.name for f in attrs.fields(cls))
    doc: dict[str, Any] = {"type": event.type}
    for name in names:
        value = getattr(event, name)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, frozenset | tuple):
            value = sorted(v.value if isinstance(v, enum.Enum) else v for v in value)
        doc[name] = value
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --- statements -----------------------------------------------------------------------------------

_ITEM_COLUMNS: Final = frozenset(c.name for c in items_table.columns if c.name != "id")
#: Columns every save writes: the version, the audit head and the worklist.
_ALWAYS: Final = frozenset(
    {"version", "updated_at", "audit_head", "audit_count"} | {c for c in _ITEM_COLUMNS if c.startswith("wl_")}
)
#: The columns each field of DisclosureItem is stored in (the others: a column of the same name).
_FIELD_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "column": ("publish_column",),
    "sections": ("sections", "lead_section"),
}
_ITEM_FIELDS: Final = tuple(f.name for f in attrs.fields(DisclosureItem) if f.name != "id")
_UPDATES: dict[frozenset[str], sa.Update] = {}


def _update_statement(columns: frozenset[str]) -> sa.Update:
    """The version-checked UPDATE of exactly ``columns`` (built once per set of columns)."""
    statement = _UPDATES.get(columns)
    if statement is None:
        statement = (
            items_table.update()
            .where(
                items_table.c.id == sa.bindparam("b_id"),
                items_table.c.version == sa.bindparam("b_version"),
                items_table.c.audit_head == sa.bindparam("b_head"),
            )
            .values({name: sa.bindparam(name) for name in sorted(columns)})
        )
        _UPDATES[columns] = statement
    return statement


def _changed_columns(before: DisclosureItem | None, after: DisclosureItem) -> frozenset[str]:
    """The columns to write when ``before`` (as read) becomes ``after``; all of them if unknown."""
    if before is None or before.id != after.id:
        return _ITEM_COLUMNS
    changed = set(_ALWAYS)
    for name in _ITEM_FIELDS:
        if getattr(before, name) != getattr(after, name):
            changed.update(_FIELD_COLUMNS.get(name, (name,)))
    return frozenset(changed)


_INSERT_ITEM: Final = items_table.insert()
_INSERT_AUDIT: Final = audit_table.insert()
_INSERT_OUTBOX: Final = outbox_table.insert()
_INSERT_WORK: Final = worklist_table.insert()
_DELETE_WORK: Final = worklist_table.delete().where(worklist_table.c.item_id == sa.bindparam("b_id"))
_ITEM_STATE: Final = sa.select(
    items_table.c.version, items_table.c.audit_head, items_table.c.audit_count, items_table.c.wl_extra
).where(items_table.c.id == sa.bindparam("b_id"))
#: Written inline (not as a parameter) so that the partial index on pending events always applies.
PENDING: Final = outbox_table.c.status == sa.literal_column("'pending'")
_GET_ITEM: Final = sa.select(items_table).where(items_table.c.id == sa.bindparam("b_id"))


@attrs.frozen
class _Known:
    """What a repository last saw of an item row: enough to link the next audit entry.

    ``item`` is the item as read (when it was read, not written), to write only what changed.
    """

    version: int
    head: str
    count: int
    extra: int
    item: DisclosureItem | None = None


_CACHE_SIZE: Final = 256

# --- the repository -------------------------------------------------------------------------------


@final
class SqlRepository:
    """The repository on SQL tables, inside the caller's transaction; it never commits.

    ``bind`` is the host's ``Session`` (its connection is used, so the host's transaction holds
    everything) or a ``Connection``. ``workflow`` decides the worklist rows (default: the
    standard chains); give the one your application fires with if it has its own chains.
    """

    def __init__(self, bind: Session | Connection, *, workflow: Workflow | None = None) -> None:
        self.bind = bind
        self.workflow = workflow if workflow is not None else standard_workflow()
        self._known: OrderedDict[str, _Known] = OrderedDict()

    def _conn(self) -> Connection:
        return self.bind.connection() if isinstance(self.bind, Session) else self.bind

    def _remember(self, item_id: str, known: _Known) -> None:
        self._known[item_id] = known
        self._known.move_to_end(item_id)
        if len(self._known) > _CACHE_SIZE:
            self._known.popitem(last=False)

    def _hydrate(self, row: Row[Any]) -> DisclosureItem:
        m = row._mapping
        item = item_from_row(m)
        self._remember(m["id"], _Known(m["version"], m["audit_head"], m["audit_count"], m["wl_extra"], item))
        return item

    # -- items -------------------------------------------------------------------------------------

    def get(self, item_id: str) -> DisclosureItem:
        """The item, or ``ItemNotFoundError``."""
        item = self.find(item_id)
        if item is None:
            raise ItemNotFoundError(f"找不到编号为“{item_id}”的信息。", item_id=item_id)
        return item

    @translated()
    def find(self, item_id: str) -> DisclosureItem | None:
        """The item, or ``None``."""
        row = self._conn().execute(_GET_ITEM, {"b_id": item_id}).first()
        return None if row is None else self._hydrate(row)

    def _read_state(self, conn: Connection, item_id: str) -> _Known | None:
        row = conn.execute(_ITEM_STATE, {"b_id": item_id}).first()
        return None if row is None else _Known(row[0], row[1], row[2], row[3])

    @translated()
    def save(self, outcome: Outcome) -> None:
        """Store the outcome in the caller's transaction, all or nothing.

        Writes the version-checked item row, its work rows, the hash-linked audit entries and the
        outbox events. Raises ``StaleItemError`` — before writing anything — when the item changed
        since it was read (or, for a new item, when one with that id exists).
        """
        conn = self._conn()
        item = outcome.item
        rows = work_rows(self.workflow, item)
        now = _utcnow()
        since = outcome.audit[-1].at if outcome.audit else now
        prev = outcome.previous_version
        known = self._known.get(item.id) if prev is not None else None
        if known is not None and known.version == prev and known.item is not None:
            values = item_values(item, _changed_columns(known.item, item))
        else:
            values = item_values(item)
        values.update(worklist_values(rows, since))
        values["updated_at"] = now
        try:
            if prev is None:
                links = chain_entries(outcome.audit, GENESIS, 0)
                values["audit_head"] = links[-1][2] if links else GENESIS
                values["audit_count"] = len(links)
                try:
                    conn.execute(_INSERT_ITEM, values)
                except sa_exc.IntegrityError as exc:
                    raise StaleItemError(f"编号为“{item.id}”的信息已经存在，不能重复创建。", item_id=item.id) from exc
                had_extra = 0
            else:
                if known is None or known.version != prev:
                    known = self._read_state(conn, item.id)
                    if known is None or known.version != prev:
                        raise StaleItemError(stale_message(item, known.version if known else None), item_id=item.id)
                links, known = self._update(conn, item, values, prev, known, outcome.audit)
                had_extra = known.extra
        except sa_exc.OperationalError as exc:
            if _is_busy_snapshot(exc):  # SQLite: somebody wrote since this transaction read
                raise StaleItemError(stale_message(item, None), item_id=item.id) from exc
            raise
        if had_extra:
            conn.execute(_DELETE_WORK, {"b_id": item.id})
        if len(rows) > 1:
            conn.execute(
                _INSERT_WORK,
                [
                    {
                        "item_id": item.id,
                        "slot": slot,
                        "role": row.role.value,
                        "scope": row.scope.value,
                        "scope_key": row.key,
                        "is_open": row.open,
                        "blocked": row.blocked_text,
                        "since": since,
                        "drafter_id": item.drafter_id,
                    }
                    for slot, row in enumerate(rows[1:], start=1)
                ],
            )
        if links:
            conn.execute(_INSERT_AUDIT, [_audit_values(item.id, p, h0, h1, e) for p, h0, h1, e in links])
        if outcome.events:
            conn.execute(
                _INSERT_OUTBOX,
                [
                    {
                        "event_id": event.event_id,
                        "event_type": event.type,
                        "item_id": event.item_id,
                        "payload": event_payload(event),
                        "created_at": now,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                    }
                    for event in outcome.events
                ],
            )
        head = links[-1][2] if links else values["audit_head"]
        self._remember(item.id, _Known(item.version, head, values["audit_count"], values["wl_extra"]))

    def _update(
        self,
        conn: Connection,
        item: DisclosureItem,
        values: dict[str, Any],
        prev: int,
        known: _Known,
        audit: Sequence[AuditEntry],
    ) -> tuple[list[tuple[int, str, str, AuditEntry]], _Known]:
        """The version-checked UPDATE; return the audit links written and the row state it replaced."""
        for _ in range(2):
            links = chain_entries(audit, known.head, known.count)
            values["audit_head"] = links[-1][2] if links else known.head
            values["audit_count"] = links[-1][0] if links else known.count
            columns = _changed_columns(known.item, item)
            if not columns <= values.keys():  # what we remembered was stale: write every column
                values.update(item_values(item))
            params = {name: values[name] for name in columns}
            params.update(b_id=item.id, b_version=prev, b_head=known.head)
            result = conn.execute(_update_statement(columns), params)
            if result.rowcount == 1:
                return links, known
            # Either somebody saved first, or what this repository remembered was out of date.
            fresh = self._read_state(conn, item.id)
            if fresh is None or fresh.version != prev:
                raise StaleItemError(stale_message(item, fresh.version if fresh else None), item_id=item.id)
            known = fresh
        raise StaleItemError(stale_message(item, None), item_id=item.id)  # pragma: no cover - defensive

    def audit(self, item_id: str) -> list[AuditEntry]:
        """The item's audit trail, oldest first."""
        return [r.entry for r in self.audit_records(item_id)]

    @translated()
    def audit_records(self, item_id: str) -> list[AuditRecord]:
        """The item's audit trail with positions and hash links, oldest first."""
        result = self._conn().execute(
            sa.select(audit_table)
            .where(audit_table.c.item_id == item_id)
            .order_by(audit_table.c.position, audit_table.c.id)
        )
        return [_audit_record(r._mapping) for r in result]

    def items(self, *, states: Iterable[str] | None = None) -> Iterator[DisclosureItem]:
        """Every item (optionally only those in ``states``), streamed in id order."""
        query = sa.select(items_table).order_by(items_table.c.id)
        if states is not None:
            query = query.where(items_table.c.state.in_(list(states)))
        with storage_errors():
            result = self._conn().execution_options(stream_results=True, yield_per=500).execute(query)
            for row in result:
                yield item_from_row(row._mapping)

    @translated()
    def interpretations_of(self, policy_id: str) -> list[DisclosureItem]:
        """Items linked to ``policy_id`` (its interpretations)."""
        result = self._conn().execute(
            sa.select(items_table)
            .where(items_table.c.policy_id == policy_id, items_table.c.kind == ItemKind.POLICY_INTERPRETATION.value)
            .order_by(items_table.c.created_at, items_table.c.id)
        )
        return [item_from_row(r._mapping) for r in result]

    # -- worklists -------------------------------------------------------------------------------

    @translated()
    def worklist(self, actor: Actor, *, limit: int | None = None) -> list[DisclosureItem]:
        """待办: items ``actor`` can move on now, the longest-waiting first (index-backed).

        Each exact (role, scope, key) the actor can match is one range of the covering worklist
        indexes, already in waiting order, read only as far as ``limit``; the page's item rows are
        read last.
        """
        if not actor.roles:
            return []
        query, _ = _work_queries(_work_shape(actor, limit))
        params = _work_params(actor, limit)
        return [self._hydrate(r) for r in self._conn().execute(query, params)]

    @translated()
    def worklist_count(self, actor: Actor) -> int:
        """How many items are on ``actor``'s worklist."""
        if not actor.roles:
            return 0
        _, count = _work_queries(_work_shape(actor, None))
        return int(self._conn().execute(count, _work_params(actor, None)).scalar_one())

    @translated()
    def done(self, actor: Actor, *, limit: int | None = None) -> list[DisclosureItem]:
        """已办: items ``actor`` has acted on, the most recent first (index-backed)."""
        a = audit_table.c
        conn = self._conn()
        ordered: list[str] = []
        if limit is None:
            last = sa.func.max(a.id).label("last")
            rows = conn.execute(
                sa.select(a.item_id, last).where(a.actor_id == actor.id).group_by(a.item_id).order_by(last.desc())
            )
            ordered = [r[0] for r in rows]
        else:
            seen: set[str] = set()
            cursor: int | None = None
            chunk = max(4 * limit, 64)
            while len(ordered) < limit:
                query = sa.select(a.id, a.item_id).where(a.actor_id == actor.id).order_by(a.id.desc()).limit(chunk)
                if cursor is not None:
                    query = query.where(a.id < cursor)
                batch = conn.execute(query).all()
                for row_id, item_id in batch:
                    cursor = row_id
                    if item_id not in seen:
                        seen.add(item_id)
                        ordered.append(item_id)
                if len(batch) < chunk:
                    break
            ordered = ordered[:limit]
        found: dict[str, DisclosureItem] = {}
        for start in range(0, len(ordered), 500):
            chunk_ids = ordered[start : start + 500]
            for row in conn.execute(sa.select(items_table).where(items_table.c.id.in_(chunk_ids))):
                found[row._mapping["id"]] = self._hydrate(row)
        return [found[i] for i in ordered if i in found]

    @translated()
    def reindex_worklist(self, *, batch: int = 500) -> int:
        """Recompute every unfinished item's work rows (after a change of chains or rules); return how many."""
        conn = self._conn()
        changed = 0
        last = ""
        while True:
            rows = conn.execute(
                sa.select(items_table)
                .where(items_table.c.id > last, items_table.c.wl_role.is_not(None) | (items_table.c.wl_extra > 0))
                .order_by(items_table.c.id)
                .limit(batch)
            ).all()
            if not rows:
                return changed
            for row in rows:
                item = item_from_row(row._mapping)
                last = item.id
                work = work_rows(self.workflow, item)
                since = row._mapping["wl_since"]
                conn.execute(
                    items_table.update().where(items_table.c.id == item.id).values(**worklist_values(work, since))
                )
                conn.execute(_DELETE_WORK, {"b_id": item.id})
                if len(work) > 1:
                    conn.execute(
                        _INSERT_WORK,
                        [
                            {
                                "item_id": item.id,
                                "slot": slot,
                                "role": r.role.value,
                                "scope": r.scope.value,
                                "scope_key": r.key,
                                "is_open": r.open,
                                "blocked": r.blocked_text,
                                "since": since,
                                "drafter_id": item.drafter_id,
                            }
                            for slot, r in enumerate(work[1:], start=1)
                        ],
                    )
                changed += 1
                self._known.pop(item.id, None)

    # -- audit verification --------------------------------------------------------------------------

    @translated()
    def verify_audit(self, item_ids: Iterable[str] | None = None, *, batch: int = 500) -> AuditReport:
        """Check the hash chains of the given items (every item, streamed in batches, when ``None``)."""
        conn = self._conn()
        problems = []
        items_checked = 0
        entries = 0
        if item_ids is not None:
            for item_id in item_ids:
                state = self._read_state(conn, item_id)
                records = self.audit_records(item_id)
                items_checked += 1
                entries += len(records)
                head, count = (state.head, state.count) if state is not None else (None, None)
                problems.extend(verify_chain(item_id, records, head, count))
            return AuditReport(items_checked, entries, tuple(problems))
        i = items_table.c
        a = audit_table.c
        low: str | None = None
        while True:
            query = sa.select(i.id, i.audit_head, i.audit_count).order_by(i.id).limit(batch)
            if low is not None:
                query = query.where(i.id > low)
            heads = conn.execute(query).all()
            high = heads[-1][0] if heads else None
            cond = []
            if low is not None:
                cond.append(a.item_id > low)
            if high is not None:
                cond.append(a.item_id <= high)
            trails: dict[str, list[AuditRecord]] = {}
            for row in conn.execute(sa.select(audit_table).where(*cond).order_by(a.item_id, a.position, a.id)):
                trails.setdefault(row._mapping["item_id"], []).append(_audit_record(row._mapping))
            for item_id, head, count in heads:
                records = trails.pop(item_id, [])
                items_checked += 1
                entries += len(records)
                problems.extend(verify_chain(item_id, records, head, count))
            for item_id, records in trails.items():  # entries of an item that is not there
                entries += len(records)
                problems.extend(AuditProblem(item_id, r.position, "inserted", "所属的信息不存在") for r in records)
            if high is None:
                return AuditReport(items_checked, entries, tuple(problems))
            low = high

    # -- outbox, old style ---------------------------------------------------------------------------

    @translated()
    def pending_events(self, limit: int = 100) -> list[Event]:
        """Events saved but not yet delivered, oldest first."""
        o = outbox_table.c
        rows = self._conn().execute(sa.select(o.payload).where(PENDING).order_by(o.seq).limit(limit))
        return [event_from_dict(json.loads(r[0])) for r in rows]

    @translated()
    def mark_delivered(self, event_id: str) -> None:
        """Record that ``event_id`` was delivered to all its receivers."""
        o = outbox_table.c
        self._conn().execute(
            outbox_table.update().where(o.event_id == event_id).values(status="done", done_at=_utcnow())
        )


WorkShape = tuple[tuple[str, ...], int, bool]


def _work_shape(actor: Actor, limit: int | None) -> WorkShape:
    """What the worklist statement depends on: the roles, how many sections led, whether limited."""
    return tuple(sorted(r.value for r in actor.roles)), len(actor.in_charge_of), limit is not None


def _like_escape(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _work_params(actor: Actor, limit: int | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "a_id": actor.id,
        "a_section": actor.section,
        "a_blocked": f"%{_like_escape(blocked_token(actor.id))}%",
        "a_limit": limit,
    }
    params.update({f"a_lead{n}": section for n, section in enumerate(sorted(actor.in_charge_of))})
    return params


_WORK_QUERIES: dict[WorkShape, tuple[sa.Select[Any], sa.Select[Any]]] = {}


def _work_queries(shape: WorkShape) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The worklist page query and count query for one shape of actor, built once and reused.

    One branch per exact (role, scope, key) range of the covering indexes, each in waiting order
    and cut at the page size, for the item rows and for the extra rows of joint items.
    """
    cached = _WORK_QUERIES.get(shape)
    if cached is not None:
        return cached
    roles, leads, limited = shape
    limit = sa.bindparam("a_limit", type_=sa.Integer) if limited else None
    i = items_table.c
    w = worklist_table.c
    sources = (
        (i.id, i.wl_since, i.wl_role, i.wl_scope, i.wl_key, i.wl_open, i.wl_blocked, i.drafter_id),
        (w.item_id, w.since, w.role, w.scope, w.scope_key, w.is_open, w.blocked, w.drafter_id),
    )
    actor_id = sa.bindparam("a_id", type_=sa.String)
    ranges: list[tuple[Scope, Any]] = [
        (Scope.OWN_ITEM, actor_id),
        (Scope.ANY, sa.literal_column("''")),
        (Scope.ITEM_SECTION, sa.bindparam("a_section", type_=sa.String)),
    ]
    ranges += [(Scope.SECTION_LEADER, sa.bindparam(f"a_lead{n}", type_=sa.String)) for n in range(leads)]
    parts = []
    for role in roles:
        for item_id, since, role_c, scope_c, key_c, open_c, blocked_c, drafter_c in sources:
            for scope, key in ranges:
                conditions = [
                    role_c == sa.literal_column(f"'{role}'"),
                    scope_c == sa.literal_column(f"'{scope.value}'"),
                ]
                conditions.append(key_c == key)
                if scope is not Scope.OWN_ITEM:
                    blocked = blocked_c.like(sa.bindparam("a_blocked", type_=sa.String), escape="/")
                    conditions += [drafter_c != actor_id, sa.or_(open_c, sa.not_(blocked))]
                branch = (
                    sa.select(item_id.label("item_id"), since.label("since"))
                    .where(*conditions)
                    .order_by(since)
                    .limit(limit)
                    .subquery()
                )
                parts.append(sa.select(branch.c.item_id, branch.c.since))
    matches = sa.union_all(*parts).subquery()
    first = sa.func.min(matches.c.since)
    page = (
        sa.select(matches.c.item_id, first.label("since"))
        .group_by(matches.c.item_id)
        .order_by(first, matches.c.item_id)
        .limit(limit)
        .subquery()
    )
    query = sa.select(items_table).join(page, page.c.item_id == items_table.c.id).order_by(page.c.since, page.c.item_id)
    count = sa.select(sa.func.count(sa.distinct(matches.c.item_id)))
    _WORK_QUERIES[shape] = (query, count)
    return query, count


def _is_busy_snapshot(exc: sa_exc.DBAPIError) -> bool:
    return getattr(exc.orig, "sqlite_errorname", None) == "SQLITE_BUSY_SNAPSHOT"
