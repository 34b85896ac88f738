"""The database-wide audit chain on SQL: every audit row and report record, linked in one sequence.

Each item and each application has its own hash chain, headed on its own row; deleting an item
*with* its whole trail leaves no broken link in any of them. The database-wide chain closes that
gap: every audit row of ``gongkai_audit`` and ``gongkai_application_audit`` and every row of
``gongkai_records`` gets one link in ``gongkai_audit_links`` — a sequence number, the row's
own hash (for a record, a hash over its content) and the hash of the previous link.

Links are written **after** the audited rows committed, by a sealing step (:func:`link_pending`:
``gongkai audit seal``, ``gongkai audit anchor``). Writers never read or lock the chain, so hosts
writing at the same time still never wait on each other; only sealers queue among themselves
(a transaction-scoped advisory lock on PostgreSQL, SQLite's write lock). A row committed but not
yet sealed is counted by verification as not yet linked, and is covered from the next seal on.

:func:`verify_ledger` walks the links (numbering, links, hashes), finds each linked row and
compares it with what was linked, and checks the anchors given: a link recorded in an anchor
must still carry the anchor's hash, so even a rewrite of every hash is caught up to the anchor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..database import Database
from ..hashchain import GENESIS, Anchor, AuditProblem, AuditReport
from .mapping import utcnow
from .schema import application_audit_table, audit_links_table, audit_table, records_table, timer_history_table

__all__ = ["SOURCES", "head", "link_pending", "record_hash", "seal", "verify_ledger"]

#: What a link's ``source`` names, with the subject's label for reports.
SOURCES: Final = {
    "item": "gongkai_audit",
    "application": "gongkai_application_audit",
    "record": "gongkai_records",
    "timer": "gongkai_timer_history",
}
_SUBJECT: Final = {"item": "item", "application": "application", "record": "record", "timer": "timer"}
#: Any constant: the key of the PostgreSQL advisory lock sealers take.
_SEAL_LOCK: Final = 0x676F6E676B6169
_BATCH: Final = 1000

L = audit_links_table.c
#: The hash-chained tables whose rows are linked: (table, the column naming the row's subject).
_CHAINED: Final[dict[str, tuple[sa.Table, sa.Column[Any]]]] = {
    "item": (audit_table, audit_table.c.item_id),
    "application": (application_audit_table, application_audit_table.c.item_id),
    "timer": (timer_history_table, timer_history_table.c.timer_id),
}


def link_digest(seq: int, source: str, row_key: str, subject_id: str, position: int, row_hash: str, prev: str) -> str:
    """The hash of one link of the database-wide chain."""
    payload = {
        "v": 1,
        "seq": seq,
        "source": source,
        "row": row_key,
        "subject": subject_id,
        "position": position,
        "row_hash": row_hash,
        "prev": prev,
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_hash(record_id: str, kind: str, day: Any, doc: Any) -> str:
    """A hash over a report record's stored content (its id, kind, day and document)."""
    payload = {"id": record_id, "kind": kind, "day": str(day), "doc": doc}
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def head(conn: Connection) -> tuple[int, str]:
    """The last link's sequence number and hash (``0`` and the genesis hash when none)."""
    row = conn.execute(sa.select(L.seq, L.hash).order_by(L.seq.desc()).limit(1)).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def _unlinked(conn: Connection, source: str) -> list[tuple[str, str, int, str]]:
    """The rows of ``source`` with no link yet: (row key, subject, position, row hash), oldest first."""
    linked = sa.select(sa.literal(1)).where(L.source == source)
    if source == "record":
        r = records_table.c
        query = (
            sa.select(r.id, r.kind, r.day, r.doc)
            .where(~linked.where(L.row_key == r.id).exists())
            .order_by(r.created_at, r.id)
        )
        return [(rid, rid, 1, record_hash(rid, kind, day, doc)) for rid, kind, day, doc in conn.execute(query)]
    table, subject_column = _CHAINED[source]
    a = table.c
    key = sa.cast(a.id, sa.String(40))
    query = (
        sa.select(a.id, subject_column, a.position, a.hash)
        .where(~linked.where(L.row_key == key).exists())
        .order_by(a.id)
    )
    return [(str(i), subject, int(pos), h) for i, subject, pos, h in conn.execute(query)]


def link_pending(conn: Connection, *, now: datetime | None = None, wait: bool = True) -> int:
    """Link every committed audit row and record that has no link yet; return how many were linked.

    Runs in the caller's (write) transaction. On PostgreSQL it first takes a transaction-scoped
    advisory lock, so two sealers do not both extend the chain; writers never take it. With
    ``wait=False`` a sealer that finds the lock taken links nothing and returns ``0`` at once
    (another sealer is linking the same rows).
    """
    if conn.dialect.name == "postgresql":
        if not wait:
            taken = conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _SEAL_LOCK}).scalar()
            if not taken:
                return 0
        else:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SEAL_LOCK})
    seq, prev = head(conn)
    at = now or utcnow()
    pending: list[dict[str, Any]] = []
    total = 0
    for source in SOURCES:
        for row_key, subject, position, row_hash in _unlinked(conn, source):
            seq += 1
            digest = link_digest(seq, source, row_key, subject, position, row_hash, prev)
            pending.append(
                {
                    "seq": seq,
                    "source": source,
                    "row_key": row_key,
                    "subject_id": subject,
                    "position": position,
                    "row_hash": row_hash,
                    "prev_hash": prev,
                    "hash": digest,
                    "linked_at": at,
                }
            )
            prev = digest
            if len(pending) >= _BATCH:
                conn.execute(audit_links_table.insert(), pending)
                total += len(pending)
                pending = []
    if pending:
        conn.execute(audit_links_table.insert(), pending)
        total += len(pending)
    return total


def _current_rows(conn: Connection) -> dict[tuple[str, str], tuple[str, int, str]]:
    """Every audit row and record as it is now: (source, key) → (subject, position, hash)."""
    out: dict[tuple[str, str], tuple[str, int, str]] = {}
    for source, (table, subject_column) in _CHAINED.items():
        a = table.c
        for i, subject, pos, h in conn.execute(sa.select(a.id, subject_column, a.position, a.hash)):
            out[(source, str(i))] = (subject, int(pos), h)
    r = records_table.c
    for rid, kind, day, doc in conn.execute(sa.select(r.id, r.kind, r.day, r.doc)):
        out[("record", rid)] = (rid, 1, record_hash(rid, kind, day, doc))
    return out


def verify_ledger(conn: Connection, anchors: Sequence[Anchor] = ()) -> AuditReport:
    """Check the database-wide chain, the rows it links, and ``anchors``.

    Found: a link edited or removed (numbering, links, hashes); a linked row or record that is
    gone (``missing``: a whole item, application or record deleted with its trail), rewritten
    with a fresh hash (``edited``) or moved to another subject or position (``reordered``); a link
    an anchor recorded that no longer carries the anchor's hash (the history before the anchor
    was rewritten). Rows not linked yet are counted in ``AuditReport.linked``' complement by the
    caller, not reported.
    """
    problems: list[AuditProblem] = []
    rows = _current_rows(conn)
    expected_seq = 1
    prev = GENESIS
    linked = 0
    hashes: dict[int, str] = {}

    def ledger(seq: int, kind: Any, detail: str) -> None:
        problems.append(AuditProblem("全库", seq, kind, detail, "ledger"))

    for link in conn.execute(sa.select(audit_links_table).order_by(L.seq)):
        m = link._mapping
        seq = int(m["seq"])
        linked += 1
        hashes[seq] = m["hash"]
        if seq != expected_seq:
            ledger(expected_seq, "deleted", f"第 {expected_seq} 至 {seq - 1} 个链接不存在")
        elif m["prev_hash"] != prev:
            ledger(seq, "deleted" if seq > 1 else "edited", "此链接没有链接到前一个链接（前一个被删除或改写）")
        digest = link_digest(
            seq, m["source"], m["row_key"], m["subject_id"], m["position"], m["row_hash"], m["prev_hash"]
        )
        if digest != m["hash"]:
            ledger(seq, "edited", "此链接的内容与其哈希值不符")
        expected_seq, prev = seq + 1, m["hash"]
        source = m["source"]
        subject_kind = _SUBJECT.get(source, source)
        current = rows.get((source, m["row_key"]))
        subject, position = m["subject_id"], m["position"]
        if current is None:
            problems.append(
                AuditProblem(
                    subject,
                    position if source != "record" else 0,
                    "missing",
                    f"全库哈希链第 {seq} 个链接记录的这一条已不存在（连同所属对象一起被删除）",
                    subject_kind,
                )
            )
        elif current[2] != m["row_hash"]:
            problems.append(
                AuditProblem(
                    subject,
                    position if source != "record" else 0,
                    "edited",
                    f"内容或哈希值与全库哈希链第 {seq} 个链接记录的不符（被改写并重算了哈希值）",
                    subject_kind,
                )
            )
        elif (current[0], current[1]) != (subject, position):
            problems.append(
                AuditProblem(
                    subject,
                    position,
                    "reordered",
                    f"全库哈希链第 {seq} 个链接记录的这一条已被移到 {current[0]} 的第 {current[1]} 条",
                    subject_kind,
                )
            )
    for anchor in anchors:
        have = hashes.get(anchor.seq)
        if have is None:
            ledger(anchor.seq, "deleted", f"锚点（{anchor.at_text}）记录的第 {anchor.seq} 个链接已不存在")
        elif have != anchor.hash:
            ledger(
                anchor.seq,
                "edited",
                f"与锚点（{anchor.at_text}）不符：锚点记录的哈希为 {anchor.hash[:16]}…，"
                f"现为 {have[:16]}…，此前的历史已被改写",
            )
    return AuditReport(0, 0, tuple(problems), linked=linked, anchors_checked=len(anchors))


def seal(database: Database, *, wait: bool = False) -> int:
    """Link what is pending in a transaction of its own (what ``gongkai dispatch`` and ``tick`` run).

    Returns how many rows were linked (``0`` as well when another sealer held the lock and
    ``wait`` is false).
    """
    with database.transaction() as conn:
        return link_pending(conn, wait=wait)


def unlinked_count(conn: Connection) -> int:
    """How many audit rows and records are committed but not linked yet."""
    return sum(len(_unlinked(conn, source)) for source in SOURCES)


def anchors_from(texts: Iterable[str]) -> list[Anchor]:
    """Parse anchor files' texts (see :meth:`Anchor.from_text`)."""
    return [Anchor.from_text(t) for t in texts]
