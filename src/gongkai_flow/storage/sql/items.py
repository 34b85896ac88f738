"""The item repository on SQL: items, their hash-chained audit trail and their outbox rows.

:class:`SqlRepository` works inside the caller's transaction — it takes a ``Session`` (or a
``Connection``) and never commits.

Optimistic concurrency: every save is an ``UPDATE … WHERE id = :id AND version = :read``; the
loser of a race updates no row and gets :class:`~gongkai_flow.errors.StaleItemError` before it
wrote anything. The audit entry's link to its predecessor is part of the same check (the item
row keeps the hash of its last entry), so two writers can never fork a chain.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final, final

import attrs
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from ... import errors
from ...engine import Outcome, Workflow
from ...errors import ItemNotFoundError, StaleItemError
from ...events import Event, event_from_dict
from ...model import (
    Actor,
    AuditEntry,
    DisclosureItem,
    ItemKind,
)
from ..errors import AuditMismatchError
from ..hashchain import (
    GENESIS,
    AuditProblem,
    AuditRecord,
    AuditReport,
    chain_entries,
    publish_signatures_problem,
    verify_chain,
    verify_item_row,
)
from ..memory import standard_workflow
from ..translate import constraint_kind, storage_errors, translate_error, translated
from ..worklist import WorkItem, work_rows
from .blobs import SqlBlobStore
from .clocks import SqlClockStore
from .duties import SqlDutyStore
from .mapping import (
    OUTBOX_COLUMNS,
    TRAIL_COLUMNS,
    audit_record,
    audit_values,
    item_from_row,
    item_values,
    outbox_rows,
    trail_row,
    utcnow,
    worklist_rows,
    worklist_values,
)
from .prepared import Prepared, prepared_insert
from .records import SqlRecordRepository
from .schema import (
    PENDING,
    audit_table,
    items_table,
    outbox_table,
    worklist_table,
)
from .worklist import (
    OPEN_LINES,
    work_items,
    work_params,
    work_queries,
    work_shape,
)

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
_UPDATES: dict[frozenset[str], Prepared] = {}


def _update_statement(columns: frozenset[str]) -> Prepared:
    """The version-checked UPDATE of exactly ``columns`` (built once per set of columns)."""
    statement = _UPDATES.get(columns)
    if statement is None:
        statement = Prepared(
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
_INSERT_AUDIT: Final = prepared_insert(audit_table, [c.name for c in audit_table.columns if not c.primary_key])
_INSERT_OUTBOX: Final = prepared_insert(outbox_table, OUTBOX_COLUMNS)
_INSERT_WORK: Final = worklist_table.insert()
_DELETE_WORK: Final = worklist_table.delete().where(worklist_table.c.item_id == sa.bindparam("b_id"))
_ITEM_STATE: Final = sa.select(
    items_table.c.version, items_table.c.audit_head, items_table.c.audit_count, items_table.c.wl_extra
).where(items_table.c.id == sa.bindparam("b_id"))
_GET_ITEM: Final = sa.select(items_table).where(items_table.c.id == sa.bindparam("b_id"))
#: What a publication's check replays the review form from: only those columns, oldest first.
_TRAIL: Final = (
    sa.select(*(audit_table.c[name] for name in TRAIL_COLUMNS))
    .where(audit_table.c.item_id == sa.bindparam("b_id"))
    .order_by(audit_table.c.position, audit_table.c.id)
)
_PUBLISHED_INTERPRETATION: Final = (
    sa.select(items_table.c.id)
    .where(
        items_table.c.policy_id == sa.bindparam("b_id"),
        items_table.c.kind == ItemKind.POLICY_INTERPRETATION.value,
        items_table.c.published_at.is_not(None),
    )
    .limit(1)
)
_PUBLISH: Final = "publish"


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
    def save(self, outcome: Outcome, *, expected_version: int | None = None) -> None:
        """Store the outcome in the caller's transaction, all or nothing.

        Writes the version-checked item row, its work rows, the hash-linked audit entries and the
        outbox events. Raises ``StaleItemError`` — before writing anything — when the item changed
        since it was read (or, for a new item, when one with that id exists), or when
        ``expected_version`` (the version the user's form showed) is not the version read; the
        message names who acted meanwhile and what they did.
        """
        conn = self._conn()
        item = outcome.item
        if expected_version is not None and expected_version != outcome.previous_version:
            raise self._stale(conn, item, expected_version)
        if any(e.action == _PUBLISH for e in outcome.audit):
            self._check_publication(conn, item, outcome.audit)
        rows = work_rows(self.workflow, item)
        now = utcnow()
        since = outcome.audit[-1].at if outcome.audit else now
        prev = outcome.previous_version
        known = self._known.get(item.id) if prev is not None else None
        columns: frozenset[str] | None = None
        if known is not None and known.version == prev and known.item is not None:
            columns = _changed_columns(known.item, item)
            values = item_values(item, columns)
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
                    if constraint_kind(exc) != "unique":  # a NOT NULL or other refusal is no lost race
                        raise translate_error(exc) or exc from exc
                    raise StaleItemError(f"编号为“{item.id}”的信息已经存在，不能重复创建。", item_id=item.id) from exc
                had_extra = 0
            else:
                if known is None or known.version != prev:
                    known = self._read_state(conn, item.id)
                    if known is None or known.version != prev:
                        raise self._stale(conn, item, prev)
                links, known = self._update(conn, item, values, prev, known, outcome.audit, columns)
                had_extra = known.extra
        except sa_exc.OperationalError as exc:
            if _is_busy_snapshot(exc):  # SQLite: somebody wrote since this transaction read
                raise errors.stale_item(item.title, item.id, expected_version=prev, current_version=None) from exc
            raise
        if had_extra:
            conn.execute(_DELETE_WORK, {"b_id": item.id})
        if len(rows) > 1:
            conn.execute(_INSERT_WORK, worklist_rows(item, rows, since))
        if links:
            _INSERT_AUDIT.run(conn, [audit_values(item.id, p, h0, h1, e) for p, h0, h1, e in links])
        if outcome.events:
            _INSERT_OUTBOX.run(conn, outbox_rows(outcome.events, now))
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
        columns: frozenset[str] | None,
    ) -> tuple[list[tuple[int, str, str, AuditEntry]], _Known]:
        """The version-checked UPDATE; return the audit links written and the row state it replaced.

        ``columns``: what changed since the item was read, when the repository knows (else all).
        """
        for _ in range(2):
            links = chain_entries(audit, known.head, known.count)
            values["audit_head"] = links[-1][2] if links else known.head
            values["audit_count"] = links[-1][0] if links else known.count
            if columns is None or known.item is None:
                columns = _changed_columns(known.item, item)
            if not columns <= values.keys():  # what we remembered was stale: write every column
                values.update(item_values(item))
            params = {name: values[name] for name in columns}
            params.update(b_id=item.id, b_version=prev, b_head=known.head)
            result = _update_statement(columns).run(conn, params)
            if result.rowcount == 1:
                return links, known
            # Either somebody saved first, or what this repository remembered was out of date.
            fresh = self._read_state(conn, item.id)
            if fresh is None or fresh.version != prev:
                raise self._stale(conn, item, prev)
            known = fresh
        raise self._stale(conn, item, prev)  # pragma: no cover - defensive

    def _check_publication(self, conn: Connection, item: DisclosureItem, new: Sequence[AuditEntry]) -> None:
        """Refuse to publish signatures the audit trail did not give (a row edited around the review)."""
        stored = [trail_row(r) for r in conn.execute(_TRAIL, {"b_id": item.id})]
        why = publish_signatures_problem(item, [*stored, *new])
        if why is not None:
            self._known.pop(item.id, None)
            raise AuditMismatchError(
                f"《{item.title}》不能发布：信息上的签字与审核记录不符（{why}），"
                "数据可能被篡改，请先运行 gongkai audit verify。",
                item_id=item.id,
            )

    def _stale(self, conn: Connection, item: DisclosureItem, seen: int) -> StaleItemError:
        """The error for a save based on version ``seen``: the stored version and its latest action."""
        self._known.pop(item.id, None)
        known = self._read_state(conn, item.id)
        latest = None
        if known is not None:
            row = conn.execute(
                sa.select(audit_table)
                .where(audit_table.c.item_id == item.id)
                .order_by(audit_table.c.position.desc(), audit_table.c.id.desc())
                .limit(1)
            ).first()
            latest = audit_record(row._mapping).entry if row is not None else None
        return errors.stale_item(
            item.title,
            item.id,
            expected_version=seen,
            current_version=known.version if known is not None else None,
            latest=latest,
        )

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
        return [audit_record(r._mapping) for r in result]

    def items(self, *, states: Iterable[str] | None = None) -> Iterator[DisclosureItem]:
        """Every item (optionally only those in ``states``), streamed in id order."""
        query = sa.select(items_table).order_by(items_table.c.id)
        if states is not None:
            query = query.where(items_table.c.state.in_(list(states)))
        with storage_errors():
            result = self._conn().execution_options(stream_results=True, yield_per=500).execute(query)
            for row in result:
                yield item_from_row(row._mapping)

    def clock_store(self) -> SqlClockStore:
        """The timers and 依申请公开 applications on this repository's connection (same transaction)."""
        return SqlClockStore(self._conn())

    def blob_store(self) -> SqlBlobStore:
        """The attachments' bytes on this repository's connection (same transaction)."""
        return SqlBlobStore(self._conn())

    def record_store(self) -> SqlRecordRepository:
        """The annual report's records on this repository's connection (same transaction)."""
        return SqlRecordRepository(self._conn())

    def duty_store(self) -> SqlDutyStore:
        """The duty catalogue's tags, events and notices on this repository's connection."""
        return SqlDutyStore(self._conn())

    @translated()
    def interpretations_of(self, policy_id: str) -> list[DisclosureItem]:
        """Items linked to ``policy_id`` (its interpretations)."""
        result = self._conn().execute(
            sa.select(items_table)
            .where(items_table.c.policy_id == policy_id, items_table.c.kind == ItemKind.POLICY_INTERPRETATION.value)
            .order_by(items_table.c.created_at, items_table.c.id)
        )
        return [item_from_row(r._mapping) for r in result]

    @translated()
    def has_published_interpretation(self, policy_id: str) -> bool:
        """Whether a published 政策解读 is linked to the policy document (one indexed probe)."""
        return self._conn().execute(_PUBLISHED_INTERPRETATION, {"b_id": policy_id}).first() is not None

    # -- worklists -------------------------------------------------------------------------------

    @translated()
    def worklist(self, actor: Actor, *, limit: int | None = None) -> list[WorkItem]:
        """待办: items ``actor`` can move on now, the longest-waiting first (index-backed), as summary lines.

        Each exact (role, scope, key) the actor can match is one range of the covering worklist
        indexes, already in waiting order, read only as far as ``limit``; the page's summary
        columns are read last.
        """
        if not actor.roles:
            return []
        query, ordered, _ = work_queries(work_shape(actor, limit))
        params = work_params(actor, limit)
        conn = self._conn()
        if conn.dialect.name != "sqlite":
            return work_items(conn.execute(query, params).all())
        # SQLite: the ids in waiting order, then their lines from the covering index of open items.
        order = conn.execute(ordered, params).all()
        lines: dict[str, Any] = {}
        for start in range(0, len(order), 2000):  # far below SQLite's 32,766 bound parameters
            ids = [row[0] for row in order[start : start + 2000]]
            lines.update((row[0], row) for row in conn.execute(OPEN_LINES, {"ids": ids}).all())
        return work_items([(*lines[item_id], since) for item_id, since in order if item_id in lines])

    @translated()
    def worklist_count(self, actor: Actor) -> int:
        """How many items are on ``actor``'s worklist."""
        if not actor.roles:
            return 0
        _, _, count = work_queries(work_shape(actor, None))
        return int(self._conn().execute(count, work_params(actor, None)).scalar_one())

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
                    conn.execute(_INSERT_WORK, worklist_rows(item, work, since))
                changed += 1
                self._known.pop(item.id, None)

    # -- audit verification --------------------------------------------------------------------------

    @translated()
    def verify_audit(self, item_ids: Iterable[str] | None = None, *, batch: int = 500) -> AuditReport:
        """Check the items' hash chains and their rows against them (every item, in batches, when ``None``).

        Per item: the chain (:func:`~gongkai_flow.storage.hashchain.verify_chain`) and the row as
        its projection (:func:`~gongkai_flow.storage.hashchain.verify_item_row`). Audit rows of an
        item whose row is gone are reported as ``missing``. An id given that has neither a row nor
        a trail raises ``ItemNotFoundError``.
        """
        conn = self._conn()
        problems: list[AuditProblem] = []
        items_checked = 0
        entries = 0
        if item_ids is not None:
            for item_id in item_ids:
                row = conn.execute(_GET_ITEM, {"b_id": item_id}).first()
                records = self.audit_records(item_id)
                if row is None and not records:
                    raise ItemNotFoundError(f"找不到编号为“{item_id}”的信息。", item_id=item_id)
                items_checked += 1
                entries += len(records)
                problems.extend(_verify_item(item_id, row, records))
            return AuditReport(items_checked, entries, tuple(problems))
        i = items_table.c
        a = audit_table.c
        low: str | None = None
        while True:
            query = sa.select(items_table).order_by(i.id).limit(batch)
            if low is not None:
                query = query.where(i.id > low)
            rows = conn.execute(query).all()
            high = rows[-1]._mapping["id"] if rows else None
            cond = []
            if low is not None:
                cond.append(a.item_id > low)
            if high is not None:
                cond.append(a.item_id <= high)
            trails: dict[str, list[AuditRecord]] = {}
            for row in conn.execute(sa.select(audit_table).where(*cond).order_by(a.item_id, a.position, a.id)):
                trails.setdefault(row._mapping["item_id"], []).append(audit_record(row._mapping))
            for row in rows:
                item_id = row._mapping["id"]
                records = trails.pop(item_id, [])
                items_checked += 1
                entries += len(records)
                problems.extend(_verify_item(item_id, row, records))
            for item_id, records in trails.items():  # entries of an item that is not there
                entries += len(records)
                problems.extend(_verify_item(item_id, None, records))
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
            outbox_table.update().where(o.event_id == event_id).values(status="done", done_at=utcnow())
        )


def _verify_item(item_id: str, row: Row[Any] | None, records: Sequence[AuditRecord]) -> list[AuditProblem]:
    """One item's chain against its row, and the row against its chain."""
    if row is None:
        problems = verify_chain(item_id, records, None, None)
        problems.append(AuditProblem(item_id, 0, "missing", f"信息的数据行已不存在，但还有 {len(records)} 条审核记录"))
        return problems
    m = row._mapping
    problems = verify_chain(item_id, records, m["audit_head"], m["audit_count"])
    problems.extend(verify_item_row(item_from_row(m), [r.entry for r in records]))
    return problems


def _is_busy_snapshot(exc: sa_exc.DBAPIError) -> bool:
    return getattr(exc.orig, "sqlite_errorname", None) == "SQLITE_BUSY_SNAPSHOT"
