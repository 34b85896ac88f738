"""Rows to values and back: items, signatures, overrides, audit entries, events.

Domain objects stay plain attrs values: rows are mapped to and from them here, at the boundary,
and nothing is ORM-mapped.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from sqlalchemy.engine import Row

from ...events import Event
from ...model import (
    Attachment,
    AuditEntry,
    AuditRecord,
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
from ..hashchain import TrailRow
from ..worklist import WorkRow

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


def attachment_doc(a: Attachment) -> dict[str, Any]:
    """An attachment's description as JSON."""
    return {"name": a.name, "media_type": a.media_type, "size": a.size, "sha256": a.sha256}


def attachment_from_doc(doc: Mapping[str, Any]) -> Attachment:
    """The attachment a stored description names."""
    return Attachment(name=doc["name"], media_type=doc["media_type"], size=doc["size"], sha256=doc["sha256"])


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
        "normative": item.normative,
        "formed_on": item.formed_on,
        "attachments": [attachment_doc(a) for a in item.attachments],
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
        "duty_tags": list(item.duty_tags),
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
    "attachments": lambda i: [attachment_doc(a) for a in i.attachments],
    "duty_tags": lambda i: list(i.duty_tags),
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
            "normative",
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


def worklist_rows(item: DisclosureItem, rows: Sequence[WorkRow], since: datetime | None) -> list[dict[str, Any]]:
    """The ``gongkai_worklist`` rows of a joint item: every work row after the first (which is on the item)."""
    return [
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
    ]


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
        normative=None if m["normative"] is None else bool(m["normative"]),
        formed_on=m["formed_on"],
        attachments=tuple(attachment_from_doc(d) for d in (m["attachments"] or ())),
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
        duty_tags=tuple(m["duty_tags"] or ()),
    )


def audit_values(item_id: str, position: int, prev: str, digest: str, e: AuditEntry) -> dict[str, Any]:
    """The audit row of entry ``e`` at ``position`` of ``item_id``'s chain: every column but the row id."""
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
        "occurred_on": e.occurred_on,
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
        occurred_on=m["occurred_on"],
    )


#: The audit columns a :class:`TrailRow` is read from, in its field order.
TRAIL_COLUMNS: Final = TrailRow._fields


def trail_row(row: Sequence[Any]) -> TrailRow:
    """A :class:`TrailRow` from the values of :data:`TRAIL_COLUMNS`, in that order."""
    action, from_state, content_hash, signed, role, actor_id, actor_name, section, at, opinion = row
    return TrailRow(
        action,
        from_state,
        content_hash,
        bool(signed),
        member(Role, role) if role is not None else None,
        actor_id,
        actor_name,
        section,
        at,
        opinion,
    )


def audit_record(m: Mapping[Any, Any]) -> AuditRecord:
    """An audit row with its position and links."""
    return AuditRecord(m["position"], audit_entry_from_row(m), m["prev_hash"], m["hash"], m["id"])


def event_payload(event: Event) -> str:
    """The outbox's JSON text for ``event``: :meth:`Event.to_dict`'s document, compact."""
    return _COMPACT_JSON.encode(event.to_dict())


#: The outbox payload's encoder, built once (``json.dumps`` with options builds one per call).
_COMPACT_JSON: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def utcnow() -> datetime:
    """Now, in UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


#: The columns of an outbox row :func:`outbox_rows` gives (the sequence number is the database's).
OUTBOX_COLUMNS: Final = (
    "event_id",
    "event_type",
    "item_id",
    "payload",
    "created_at",
    "status",
    "attempts",
    "next_attempt_at",
)


def outbox_rows(events: Sequence[Event], now: datetime) -> list[dict[str, Any]]:
    """The ``gongkai_outbox`` rows of ``events``."""
    return [
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
        for event in events
    ]
