"""The tamper-evident audit trail: every entry carries the hash of the one before it.

Each item has its own chain. An entry's hash is SHA-256 over a canonical JSON form of the entry
(every field, the time in UTC) and the previous entry's hash; the first entry links to
:data:`GENESIS`. The item row keeps the hash of its last entry (the *head*) and the number of
entries, so a deleted last entry shows too.

:func:`verify_chain` reads one item's stored rows and reports, by position:

* ``edited`` — an entry's content no longer matches its own hash, or the entry was rewritten
  with a fresh hash so the next entry no longer links to it;
* ``deleted`` — an entry is missing (a gap in the positions, a broken link where the count on the
  item says more entries should exist, or the head entry is gone);
* ``inserted`` — an entry no other entry links to, that is not the head;
* ``reordered`` — the entries are all there and intact, but their positions disagree with the
  order their links give.

Somebody who can rewrite the item row as well can forge a consistent tail: the chain makes
tampering *evident*, it does not make it impossible. Anchor the heads elsewhere (a printed
review form, an archive) to close that gap.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, NamedTuple, final

import attrs

from ..model import (
    AuditEntry,
    AuditProblem,
    AuditRecord,
    AuditReport,
    DisclosureItem,
    ProblemKind,
    Role,
    Signature,
    compute_content_hash,
)
from .errors import AnchorError

__all__ = [
    "GENESIS",
    "Anchor",
    "AuditProblem",
    "AuditRecord",
    "AuditReport",
    "ProblemKind",
    "TrailRow",
    "TrailStep",
    "chain_entries",
    "entry_digest",
    "publish_signatures_problem",
    "replay_signatures",
    "verify_chain",
    "verify_item_row",
]

#: What the first entry of every item links to.
GENESIS: Final = "0" * 64


def utc_text(moment: datetime) -> str:
    """``moment`` in UTC as ISO 8601 with microseconds (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_digest(entry: AuditEntry, prev_hash: str) -> str:
    """The hash of ``entry`` linked after ``prev_hash``."""
    payload: dict[str, Any] = {
        "v": 1,
        "item_id": entry.item_id,
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "role": entry.role.value if entry.role is not None else None,
        "section": entry.section,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "decision": entry.decision,
        "content_hash": entry.content_hash,
        "at": utc_text(entry.at),
        "event_id": entry.event_id,
        "opinion": entry.opinion,
        "signed": entry.signed,
        "overrides": [
            {
                "rule_id": o.rule_id,
                "reason": o.reason,
                "actor_id": o.actor_id,
                "actor_name": o.actor_name,
                "stage": o.stage,
                "content_hash": o.content_hash,
                "at": utc_text(o.at),
                "message": o.message,
            }
            for o in entry.overrides
        ],
        "prev": prev_hash,
    }
    # Added later: only in the digest when set, so entries written before still verify.
    if entry.occurred_on is not None:
        payload["occurred_on"] = entry.occurred_on.isoformat()
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_entries(entries: Iterable[AuditEntry], head: str, start: int) -> list[tuple[int, str, str, AuditEntry]]:
    """Link ``entries`` after ``head``: ``(position, prev_hash, hash, entry)`` from ``start + 1`` on."""
    out = []
    prev = head
    for offset, entry in enumerate(entries, start=1):
        digest = entry_digest(entry, prev)
        out.append((start + offset, prev, digest, entry))
        prev = digest
    return out


def verify_chain(
    item_id: str,
    records: Sequence[AuditRecord],
    head: str | None,
    count: int | None,
    *,
    subject: str = "item",
) -> list[AuditProblem]:
    """Check one item's stored audit rows against their hashes, their links and the item's head.

    ``records`` are the rows as stored (any order); ``head`` and ``count`` are what the item row
    says the last hash and the number of entries are (``None`` when the item row is missing:
    then only the rows themselves are checked).
    """
    found: dict[tuple[int, str], AuditProblem] = {}

    def report(position: int, kind: ProblemKind, detail: str) -> None:
        found.setdefault((position, kind), AuditProblem(item_id, position, kind, detail, subject))

    # 0. A row copied whole (same content, same links) is one duplicated row, not a reordering:
    #    keep the first copy, report the others and check the rest without them.
    rows = []
    first_of: dict[tuple[str, str], AuditRecord] = {}
    for r in sorted(records, key=lambda r: (r.position, r.row_id)):
        original = first_of.setdefault((r.prev_hash, r.hash), r)
        if original is not r and r.entry == original.entry:
            report(r.position, "duplicated", f"与第 {original.position} 条完全相同，是复制出来的记录")
        else:
            rows.append(r)

    # 1. Each row against its own hash.
    for r in rows:
        if entry_digest(r.entry, r.prev_hash) != r.hash:
            report(r.position, "edited", "内容与其哈希值不符")

    # 2. Cut the rows into linked segments. A segment starts at a row linking to the genesis or to
    #    a hash no row has; on a fork, the branch the head descends from wins.
    hashes = {r.hash for r in rows}
    by_prev: dict[str, list[AuditRecord]] = {}
    for r in rows:
        by_prev.setdefault(r.prev_hash, []).append(r)
    to_head = _ancestors(rows, head)
    claimed: set[int] = set()

    def follow(start: AuditRecord) -> list[AuditRecord]:
        segment = [start]
        claimed.add(id(start))
        while True:
            nxt = [r for r in by_prev.get(segment[-1].hash, ()) if id(r) not in claimed]
            if not nxt:
                return segment
            nxt.sort(key=lambda r: (id(r) not in to_head, r.row_id))
            segment.append(nxt[0])
            claimed.add(id(nxt[0]))

    starts = [r for r in rows if r.prev_hash == GENESIS or r.prev_hash not in hashes]
    starts.sort(key=lambda r: (r.prev_hash != GENESIS, id(r) not in to_head, r.position, r.row_id))
    segments: list[list[AuditRecord]] = []
    genesis_taken = False
    for start in starts:
        if start.prev_hash == GENESIS:
            if genesis_taken:
                continue  # a second "first entry": reported as inserted below
            genesis_taken = True
        elif id(start) not in to_head and head is not None:
            continue  # an isolated row off the head's chain: inserted
        segments.append(follow(start))

    # 3. Rows on no segment were slipped in: nothing links to them.
    for r in rows:
        if id(r) not in claimed:
            report(r.position, "inserted", "没有任何记录链接到此条，它也不在末条记录的链上")

    # 4. Deletions and rewrites: gaps in the positions, and segments that lost their link.
    present = [r.position for r in rows]
    gaps = [p for p in range(1, max(present, default=0) + 1) if p not in set(present)]
    for p in gaps:
        report(p, "deleted", "该位置的记录不存在")
    deficit = (count - len(rows)) if count is not None else 0
    for segment in segments:
        first = segment[0]
        if first.prev_hash == GENESIS or (first.position - 1) in gaps:
            continue
        if deficit > len(gaps):
            report(first.position, "deleted", "此条之前的一条记录已被删除（此条的链接指向不存在的记录）")
        else:
            earlier = [p for p in present if p < first.position]
            report(
                earlier[-1] if earlier else first.position,
                "edited",
                "此条被改写并重算了哈希值，下一条记录已无法链接到它",
            )

    # 5. The head the item row points at: it must exist, and nothing may follow it.
    if head is not None and head != GENESIS:
        if head not in hashes:
            last = max(count or 0, max(present, default=0) + 1)
            report(last, "deleted", "最新一条记录已不存在（与信息上记录的末条哈希不符）")
        else:
            for segment in segments:
                ids = [r.hash for r in segment]
                if head in ids:
                    for r in segment[ids.index(head) + 1 :]:
                        report(r.position, "inserted", "此条位于信息上记录的最新一条之后")
    if count is not None and len(rows) > count and not any(k == "inserted" for _, k in found):
        report(rows[-1].position, "inserted", f"记录有 {len(rows)} 条，多于信息上记录的 {count} 条")

    if count is not None and len(rows) < count and not found:
        report(
            count, "deleted", f"信息上记录有 {count} 条审核记录，实有 {len(rows)} 条（末尾的记录被删除，或条数被改大）"
        )

    # 6. Order: along the links, the positions must increase.
    inserted = {p for p, k in found if k == "inserted"}
    linked = [r for segment in segments for r in segment if r.position not in inserted]
    linked_positions = [r.position for r in linked]
    for r, want in zip(linked, sorted(linked_positions), strict=True):
        if r.position != want:
            report(r.position, "reordered", f"按哈希链接它应排在第 {want} 条")
    return sorted(found.values(), key=lambda p: (p.position, p.kind))


def _ancestors(rows: Sequence[AuditRecord], head: str | None) -> set[int]:
    """Ids of the rows on the link path that ends at ``head``."""
    by_hash = {r.hash: r for r in rows}
    out: set[int] = set()
    cur = head
    while cur is not None and cur in by_hash and id(by_hash[cur]) not in out:
        record = by_hash[cur]
        out.add(id(record))
        cur = record.prev_hash
    return out


# --- the row as a projection of its chain -------------------------------------------------------------

#: The audit action after which the chain does not know the content hash: classifying rewrites the
#: form's attribute fields, and the entry keeps the hash of the content the classifier saw.
_REHASHING_ACTIONS: Final = frozenset({"classify"})


class TrailRow(NamedTuple):
    """The part of an audit entry the review form is replayed from (storage reads no more to check a publication)."""

    action: str
    from_state: str
    content_hash: str
    signed: bool
    role: Role | None
    actor_id: str
    actor_name: str
    section: str
    at: datetime
    opinion: str | None


#: An entry to replay: a whole audit entry, or only the part of it replaying reads.
TrailStep = AuditEntry | TrailRow


def replay_signatures(entries: Iterable[TrailStep]) -> tuple[Signature, ...]:
    """The review form's signatures as the audit trail says they are now.

    The same rules the engine applies, read back from the entries: a signed entry signs its
    ``from_state`` stage (a re-signature by the same person replaces theirs); a submission keeps
    only the signatures given to the content it submits, and only when it resumes at the stage
    that returned the item; any other submission starts the form afresh.
    """
    signatures: tuple[Signature, ...] = ()
    returned: tuple[str, str] | None = None  # (stage, content hash) of the last return
    for e in entries:
        if e.action == "draft":
            signatures, returned = (), None
        elif e.action == "submit":
            resumes = returned is not None and returned[1] == e.content_hash
            signatures = (
                tuple(s for s in signatures if s.content_hash == e.content_hash and s.stage != e.from_state)
                if resumes
                else ()
            )
            returned = None
        elif e.action == "return":
            returned = (e.from_state, e.content_hash)
        if e.signed and e.role is not None:
            signatures = tuple(s for s in signatures if s.actor_id != e.actor_id or s.stage != e.from_state)
            signatures = (
                *signatures,
                Signature(e.from_state, e.role, e.actor_id, e.actor_name, e.section, e.content_hash, e.at, e.opinion),
            )
    return signatures


def signatures_text(signatures: Iterable[Signature]) -> str:
    """The signatures in one line, for a report: stage, signer, the content hash they saw."""
    parts = [f"{s.stage}:{s.actor_id}@{s.content_hash[:12]}" for s in sorted(signatures, key=_signature_key)]
    return "；".join(parts) or "无"


def _signature_key(s: Signature) -> tuple[str, str, str, str]:
    return (s.stage, s.actor_id, s.section, utc_text(s.at))


def _signature_fields(s: Signature) -> tuple[Any, ...]:
    # An aware time compares (and hashes) by the instant it names, whatever its zone.
    at = s.at if s.at.tzinfo is not None else s.at.replace(tzinfo=UTC)
    return (s.stage, s.role, s.actor_id, s.actor_name, s.section, s.content_hash, at, s.opinion)


def _same_signatures(a: Iterable[Signature], b: Iterable[Signature]) -> bool:
    """The same signatures, in any order (in the same order, the usual case, without counting)."""
    fa = [_signature_fields(s) for s in a]
    fb = [_signature_fields(s) for s in b]
    return fa == fb or (len(fa) == len(fb) and Counter(fa) == Counter(fb))


def verify_item_row(item: DisclosureItem, entries: Sequence[AuditEntry]) -> list[AuditProblem]:
    """Compare the stored item row with what its audit trail says it must be.

    The state is the last entry's target state, the version counts the entries, the signatures
    are replayed from the signed entries (:func:`replay_signatures`), the publication time is the
    publishing entry's; the content hash is recomputed from the row's own content and must equal
    both the hash kept on the row and the latest content hash of the trail. Each difference is one
    ``mismatch`` naming the field and both values.
    """
    if not entries:
        return []  # a row without a trail is reported by the chain check (deleted entries)
    out: list[AuditProblem] = []

    def mismatch(label: str, row: object, audit: object, detail: str) -> None:
        out.append(AuditProblem(item.id, 0, "mismatch", detail, "item", label, str(row), str(audit)))

    last = entries[-1]
    if item.state != last.to_state:
        mismatch("状态", item.state, last.to_state, "信息的状态与最后一条审核记录的结果不符")
    if item.version != len(entries):
        mismatch("版本", item.version, len(entries), "版本号与审核记录的条数不符（每次操作加一）")
    recomputed = compute_content_hash(item)
    if recomputed != item.content_hash:
        mismatch("内容哈希", recomputed, item.content_hash, "按数据行的内容重算的哈希与数据行记载的内容哈希不符")
    if last.action not in _REHASHING_ACTIONS and recomputed != last.content_hash:
        mismatch("内容", recomputed, last.content_hash, "按数据行的内容重算的哈希与最后一条审核记录的内容哈希不符")
    expected = replay_signatures(entries)
    if not _same_signatures(item.signatures, expected):
        mismatch("签字", signatures_text(item.signatures), signatures_text(expected), "签字与审核记录中的签字不符")
    published = [e.at for e in entries if e.action == "publish"]
    want = published[-1] if published else None
    have = item.published_at
    if (have is None) != (want is None) or (have is not None and want is not None and utc_text(have) != utc_text(want)):
        mismatch(
            "发布时间",
            utc_text(have) if have else "无",
            utc_text(want) if want else "无",
            "发布时间与发布的审核记录不符",
        )
    return out


def publish_signatures_problem(item: DisclosureItem, trail: Iterable[TrailStep]) -> str | None:
    """Why the signatures a publication carries are not the trail's, or ``None`` when they are.

    ``item`` is the item the outcome stores (signed as published), ``trail`` every audit entry of
    the item, the publishing one last.
    """
    expected = replay_signatures(trail)
    if _same_signatures(item.signatures, expected):
        return None
    return f"数据行：{signatures_text(item.signatures)}；审核记录：{signatures_text(expected)}"


# --- anchors -------------------------------------------------------------------------------------------

#: Beijing time, for the time a person reads on an anchor.
BEIJING: Final = timezone(timedelta(hours=8), "北京时间")
ANCHOR_FORMAT: Final = "gongkai-audit-anchor/1"


@final
@attrs.frozen
class Anchor:
    """A point of the database-wide audit chain kept outside the database: its number and hash.

    Printed into the paper archive or sent elsewhere; ``audit verify --anchor`` then proves the
    history up to that point unchanged, whoever later rewrote every hash in the database.
    """

    seq: int
    hash: str
    at: datetime

    @property
    def at_text(self) -> str:
        """The anchor's time as a clerk reads it: Beijing time."""
        local = self.at.astimezone(BEIJING)
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}（北京时间）"

    def to_text(self) -> str:
        """The anchor as a small JSON document (the time in Beijing time, ISO 8601)."""
        doc = {
            "format": ANCHOR_FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "time": self.at.astimezone(BEIJING).isoformat(timespec="seconds"),
            "说明": f"审核记录全库哈希链第 {self.seq} 个链接，{self.at_text}",
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_text(cls, text: str, *, source: str = "锚点") -> Anchor:
        """Read an anchor written by :meth:`to_text`; ``AnchorError`` when it is not one."""
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict) or doc.get("format") != ANCHOR_FORMAT:
                raise ValueError("format")
            seq, digest, moment = doc["seq"], doc["hash"], datetime.fromisoformat(doc["time"])
            if type(seq) is not int or seq < 0 or not isinstance(digest, str) or len(digest) != 64:
                raise ValueError("fields")
            int(digest, 16)
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorError(f"{source}不是有效的审核记录锚点文件（应由 gongkai audit anchor 生成）。") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
        return cls(seq, digest, moment)
