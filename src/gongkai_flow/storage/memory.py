"""An in-memory repository and outbox: for tests, benchmarks and short-lived standalone runs.

It follows the same contract as the SQL repository (the contract suite runs on both): version
checks, hash-chained audit trails, worklists from work rows, and an outbox with per-receiver
delivery state. It is thread-safe, and forgets everything when the process ends.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from functools import cache
from itertools import count, islice
from typing import final

import attrs

from .. import errors
from ..duty_types import FULFILLING_STATES, DutyEvent, DutyTally, Fulfilment
from ..engine import Outcome, Workflow
from ..errors import ItemNotFoundError, StaleItemError
from ..events import Event
from ..model import Actor, AuditEntry, AuditRecord, AuditReport, DisclosureItem, ItemKind
from ..record_types import KINDS, Record
from .base import Claim, DeadLetter, DeliveryState, OutboxStatus
from .errors import AuditMismatchError
from .hashchain import GENESIS, chain_entries, publish_signatures_problem, verify_chain, verify_item_row
from .memory_clocks import MemoryClockStore
from .worklist import WorkItem, WorkRow, row_matches, work_rows


@cache
def standard_workflow() -> Workflow:
    """A workflow on the standard chains, built once: what repositories use unless given one."""
    return Workflow()


@final
@attrs.define
class _Pending:
    seq: int
    event: Event
    attempts: int = 0
    next_attempt_at: datetime | None = None
    deliveries: dict[str, DeliveryState] = attrs.field(factory=dict)
    claimed: bool = False
    last_error: str | None = None


# An outbox entry is the bare event until its delivery has something to remember (claimed, tried,
# set aside): then a _Pending. Saving, the common case, builds no object per event.
_Entry = Event | _Pending


def _event_of(entry: _Entry) -> Event:
    return entry.event if isinstance(entry, _Pending) else entry


def _is_due(entry: _Entry, now: datetime) -> bool:
    if not isinstance(entry, _Pending):
        return True
    return entry.next_attempt_at is None or entry.next_attempt_at <= now


# An item's worklist rows and since when it waits. The rows are computed on the first worklist
# query, not on save (``None`` until then): the memory backend serves benchmarks and tests where
# most saved states are never asked for. A tuple: one is saved per transition.
_Work = tuple[tuple[WorkRow, ...] | None, datetime | None]


@final
class MemoryRepository:
    """Keeps items, audit trails, worklists and the outbox in dictionaries; thread-safe, not durable.

    ``keep_audit=False`` keeps no audit trail (so no hash chain and no 已办) and forgets
    delivered events as they go (and the 无接收方 ones, which it only counts), for benchmarks
    that push many items through and must not grow with their number. ``workflow`` decides the
    worklists (default: the standard chains); the :class:`~gongkai_flow.service.Flow` façade
    hands its own workflow to a repository given none.
    """

    def __init__(self, *, keep_audit: bool = True, workflow: Workflow | None = None) -> None:
        self._items: dict[str, DisclosureItem] = {}
        self._audit: dict[str, list[AuditRecord]] = {}
        self._heads: dict[str, tuple[str, int]] = {}
        self._work: dict[str, _Work] = {}
        self._outbox: OrderedDict[int, _Entry] = OrderedDict()
        self._unhandled: dict[int, _Pending] = {}  # 无接收方: set aside, kept for a later receiver
        self._unhandled_forgotten = 0  # 无接收方 counted but not kept (keep_audit=False)
        self._by_event: dict[str, int] = {}
        self._dead: dict[tuple[str, str], DeadLetter] = {}
        self._finished_with_dead: dict[str, _Pending] = {}
        self._done_count = 0
        self._seq = count(1)
        self._audit_seq = count(1)
        self._lock = threading.RLock()
        self.keep_audit = keep_audit
        self._workflow = workflow
        self._clocks = MemoryClockStore(self.enqueue, keep_finished=keep_audit, lock=self._lock)
        self._records = MemoryRecordRepository()
        self._blobs = MemoryBlobStore()
        self._duties = MemoryDutyStore(self._items, self.enqueue)

    def unit(self) -> AbstractContextManager[MemoryRepository]:
        """The repository itself, its lock held for the block: one unit of work at a time."""
        return _locked(self)

    def clock_store(self) -> MemoryClockStore:
        """The timers and applications kept beside these items (their events share this outbox)."""
        return self._clocks

    def blob_store(self) -> MemoryBlobStore:
        """The attachments' bytes kept beside these items."""
        return self._blobs

    def record_store(self) -> MemoryRecordRepository:
        """The report records kept beside these items."""
        return self._records

    def duty_store(self) -> MemoryDutyStore:
        """The duty catalogue's tags, events and notices kept beside these items."""
        return self._duties

    @property
    def workflow(self) -> Workflow:
        """The workflow whose chains decide the worklists."""
        return self._workflow if self._workflow is not None else standard_workflow()

    def adopt_workflow(self, workflow: Workflow) -> None:
        """Use ``workflow`` for worklists if this repository was not given one (the Flow calls this)."""
        if self._workflow is None:
            self._workflow = workflow

    # -- items ----------------------------------------------------------------------------------

    def get(self, item_id: str) -> DisclosureItem:
        """The item, or ``ItemNotFoundError``."""
        item = self._items.get(item_id)
        if item is None:
            raise ItemNotFoundError(f"找不到编号为“{item_id}”的信息。", item_id=item_id)
        return item

    def find(self, item_id: str) -> DisclosureItem | None:
        """The item, or ``None``."""
        return self._items.get(item_id)

    def save(self, outcome: Outcome, *, expected_version: int | None = None) -> None:
        """Store the outcome, refusing it if the item changed since it was read.

        ``expected_version`` (the version the user's form showed) is checked against the stored
        version too; either mismatch raises ``StaleItemError`` naming who acted meanwhile.
        """
        item = outcome.item
        item_id = item.id
        previous = outcome.previous_version
        since = outcome.audit[-1].at if outcome.audit else None
        # acquire/release rather than ``with``: a third of the cost, on every transition.
        lock = self._lock
        lock.acquire()
        try:
            current = self._items.get(item_id)
            current_version = current.version if current is not None else None
            seen = previous if expected_version is None else expected_version
            if current_version != previous or current_version != seen:
                if previous is None:
                    raise StaleItemError(f"编号为“{item.id}”的信息已经存在，不能重复创建。", item_id=item.id)
                trail = self._audit.get(item.id)
                raise errors.stale_item(
                    item.title,
                    item.id,
                    expected_version=seen,
                    current_version=current_version,
                    latest=trail[-1].entry if trail else None,
                )
            if self.keep_audit and any(e.action == "publish" for e in outcome.audit):
                stored = [r.entry for r in self._audit.get(item.id, [])]
                why = publish_signatures_problem(item, [*stored, *outcome.audit])
                if why is not None:
                    raise AuditMismatchError(
                        f"《{item.title}》不能发布：信息上的签字与审核记录不符（{why}）。", item_id=item.id
                    )
            self._items[item_id] = item
            self._work[item_id] = (None, since)
            if self.keep_audit:
                head, n = self._heads.get(item.id, (GENESIS, 0))
                trail = self._audit.setdefault(item.id, [])
                for position, prev, digest, entry in chain_entries(outcome.audit, head, n):
                    trail.append(AuditRecord(position, entry, prev, digest, next(self._audit_seq)))
                    head, n = digest, position
                self._heads[item.id] = (head, n)
            # _enqueue, inlined: this runs on every transition.
            by_event = self._by_event
            outbox = self._outbox
            for event in outcome.events:
                if event.event_id not in by_event:
                    seq = next(self._seq)
                    outbox[seq] = event
                    by_event[event.event_id] = seq
        finally:
            lock.release()

    def enqueue(self, events: Iterable[Event]) -> None:
        """Add events to the outbox outside an item save (e.g. clock notices); once per event id."""
        with self._lock:
            self._enqueue(events)

    def _enqueue(self, events: Iterable[Event]) -> None:
        by_event = self._by_event
        outbox = self._outbox
        for event in events:
            if event.event_id in by_event:
                continue
            seq = next(self._seq)
            outbox[seq] = event
            by_event[event.event_id] = seq

    def audit(self, item_id: str) -> list[AuditEntry]:
        """The item's audit trail, oldest first."""
        return [r.entry for r in self._audit.get(item_id, ())]

    def audit_records(self, item_id: str) -> list[AuditRecord]:
        """The item's audit trail with positions and hash links, oldest first."""
        return list(self._audit.get(item_id, ()))

    def items(self, *, states: Iterable[str] | None = None) -> Iterator[DisclosureItem]:
        """Every item, optionally only those in ``states``."""
        wanted = set(states) if states is not None else None
        for item in list(self._items.values()):
            if wanted is None or item.state in wanted:
                yield item

    def interpretations_of(self, policy_id: str) -> list[DisclosureItem]:
        """The 政策解读 items linked to a policy document."""
        return [
            item
            for item in list(self._items.values())
            if item.kind is ItemKind.POLICY_INTERPRETATION and item.policy_id == policy_id
        ]

    def has_published_interpretation(self, policy_id: str) -> bool:
        """Whether a published 政策解读 is linked to the policy document."""
        return any(i.published_at is not None for i in self.interpretations_of(policy_id))

    def forget(self, item_id: str) -> None:
        """Drop an item, its trail and its worklist rows (benchmarks that must not grow)."""
        with self._lock:
            self._items.pop(item_id, None)
            self._audit.pop(item_id, None)
            self._heads.pop(item_id, None)
            self._work.pop(item_id, None)

    # -- worklists -----------------------------------------------------------------------------

    def worklist(self, actor: Actor, *, limit: int | None = None) -> list[WorkItem]:
        """待办: items ``actor`` can move on now, the longest-waiting first, as summary lines."""
        found = []
        with self._lock:
            for item_id, (rows, since) in self._work.items():
                item = self._items[item_id]
                if rows is None:
                    rows = work_rows(self.workflow, item)
                    self._work[item_id] = (rows, since)  # an existing key: safe while iterating
                if any(row_matches(row, item.drafter_id, actor) for row in rows):
                    found.append((since, item))
        found.sort(key=lambda pair: (pair[0] is not None, pair[0], pair[1].id))
        return [WorkItem.of(item, since) for since, item in islice(found, limit)]

    def done(self, actor: Actor, *, limit: int | None = None) -> list[DisclosureItem]:
        """已办: items ``actor`` has acted on, the most recent first."""
        latest: dict[str, int] = {}
        with self._lock:
            for item_id, trail in self._audit.items():
                for record in trail:
                    if record.entry.actor_id == actor.id:
                        latest[item_id] = max(latest.get(item_id, 0), record.row_id)
            ordered = sorted(latest, key=lambda i: latest[i], reverse=True)
            return [self._items[i] for i in islice(ordered, limit) if i in self._items]

    # -- audit -----------------------------------------------------------------------------------

    def verify_audit(self, item_ids: Iterable[str] | None = None) -> AuditReport:
        """Check the hash chains of the given items (all items when ``None``) and each item against its chain.

        An id given that has neither an item nor a trail raises ``ItemNotFoundError``.
        """
        with self._lock:
            ids = list(item_ids) if item_ids is not None else list(self._items)
            problems = []
            entries = 0
            for item_id in ids:
                records = self._audit.get(item_id, [])
                item = self._items.get(item_id)
                if item is None and not records:
                    raise ItemNotFoundError(f"找不到编号为“{item_id}”的信息。", item_id=item_id)
                entries += len(records)
                head, n = self._heads.get(item_id, (GENESIS, 0))
                problems.extend(verify_chain(item_id, records, head, n))
                if item is not None and self.keep_audit:
                    problems.extend(verify_item_row(item, [r.entry for r in records]))
        return AuditReport(len(ids), entries, tuple(problems))

    # -- outbox (old-style) ------------------------------------------------------------------------

    def pending_events(self, limit: int = 100) -> list[Event]:
        """Events saved but not yet delivered, oldest first."""
        with self._lock:
            return [_event_of(entry) for entry in islice(self._outbox.values(), limit)]

    def mark_delivered(self, event_id: str) -> None:
        """Drop a delivered event from the outbox."""
        with self._lock:
            seq = self._by_event.pop(event_id, None)
            if seq is not None and self._outbox.pop(seq, None) is not None:
                self._done_count += 1

    # -- outbox store --------------------------------------------------------------------------------

    @contextmanager
    def claim(self, now: datetime, *, after: int = 0) -> Iterator[Claim | None]:
        """Claim the oldest event due at ``now`` after sequence ``after`` (see ``OutboxStore``)."""
        with self._lock:
            found = next(
                (
                    (seq, entry)
                    for seq, entry in self._outbox.items()
                    if seq > after and not (isinstance(entry, _Pending) and entry.claimed) and _is_due(entry, now)
                ),
                None,
            )
            pending = None
            if found is not None:
                pending = self._pending(*found)
                pending.claimed = True
        if pending is None:
            yield None
            return
        claim = Claim(pending.seq, pending.event.event_id, pending.event, pending.attempts, dict(pending.deliveries))
        try:
            yield claim
        except BaseException:
            with self._lock:
                pending.claimed = False
            raise
        with self._lock:
            pending.claimed = False
            for state in claim.results:
                pending.deliveries[state.receiver] = state
                key = (pending.event.event_id, state.receiver)
                if state.status == "dead":
                    self._dead[key] = DeadLetter(
                        pending.event.event_id,
                        pending.event.type,
                        pending.event.item_id,
                        state.receiver,
                        state.attempts,
                        state.last_error,
                    )
            if claim.unhandled:
                self._set_aside(pending, now)
            elif claim.retry_at is None and not claim.give_up:
                self._outbox.pop(pending.seq, None)
                self._by_event.pop(pending.event.event_id, None)
                self._done_count += 1
                if any(d.status == "dead" for d in pending.deliveries.values()):
                    self._finished_with_dead[pending.event.event_id] = pending
            else:
                pending.attempts += 1
                pending.next_attempt_at = claim.retry_at

    def settle_unwanted(self, now: datetime, *, wanted: Collection[str]) -> int:
        """Mark done every due pending event whose type is not in ``wanted``; return how many."""
        with self._lock:
            unwanted = [
                (seq, entry)
                for seq, entry in self._outbox.items()
                if _event_of(entry).type not in wanted
                and not (isinstance(entry, _Pending) and (entry.claimed or entry.deliveries))
                and _is_due(entry, now)
            ]
            for seq, entry in unwanted:
                self._set_aside(self._pending(seq, entry), now)
            return len(unwanted)

    def _pending(self, seq: int, entry: _Entry) -> _Pending:
        """The delivery state of the outbox entry ``seq``, made one now if it was a bare event."""
        if isinstance(entry, _Pending):
            return entry
        pending = self._outbox[seq] = _Pending(seq, entry)
        return pending

    def _set_aside(self, pending: _Pending, now: datetime) -> None:
        del self._outbox[pending.seq]
        if not self.keep_audit:  # the benchmark mode keeps nothing it has finished with; it only counts
            self._by_event.pop(pending.event.event_id, None)
            self._unhandled_forgotten += 1
            return
        pending.next_attempt_at = now  # when it was set aside, for the retention
        self._unhandled[pending.seq] = pending

    def replay_unhandled(self, now: datetime, *, wanted: Collection[str]) -> int:
        """Make the 无接收方 events whose type is in ``wanted`` due again; return how many."""
        with self._lock:
            back = [p for p in self._unhandled.values() if p.event.type in wanted]
            for p in back:
                del self._unhandled[p.seq]
                p.next_attempt_at = now
                self._outbox[p.seq] = p
            if back:
                self._outbox = OrderedDict(sorted(self._outbox.items()))
            return len(back)

    def purge_unhandled(self, before: datetime | None = None) -> int:
        """Delete the 无接收方 events set aside before ``before`` (all when ``None``); return how many."""
        with self._lock:
            gone = [
                p
                for p in self._unhandled.values()
                if before is None or (p.next_attempt_at is not None and p.next_attempt_at < before)
            ]
            for p in gone:
                del self._unhandled[p.seq]
                self._by_event.pop(p.event.event_id, None)
            return len(gone)

    def status(self, now: datetime) -> OutboxStatus:
        """Counts of pending, due, retrying and done events, and the dead letters."""
        with self._lock:
            pending = list(self._outbox.values())
            return OutboxStatus(
                pending=len(pending),
                due=sum(1 for p in pending if _is_due(p, now)),
                retrying=sum(1 for p in pending if isinstance(p, _Pending) and p.attempts > 0),
                done=self._done_count,
                dead_letters=tuple(self._dead.values()),
                oldest_pending_at=min((_event_of(p).at for p in pending), default=None),
                unhandled=len(self._unhandled) + self._unhandled_forgotten,
                oldest_unhandled_at=min((p.event.at for p in self._unhandled.values()), default=None),
            )

    def retry_dead(self, now: datetime, *, event_id: str | None = None) -> int:
        """Give dead-lettered deliveries a fresh set of tries; return how many."""
        with self._lock:
            keys = [k for k in self._dead if event_id is None or k[0] == event_id]
            for key in keys:
                letter = self._dead.pop(key)
                entry = self._finished_with_dead.pop(letter.event_id, None)
                if entry is not None:  # the event had finished: put it back, in sequence order
                    self._done_count -= 1
                    self._outbox[entry.seq] = entry
                    self._by_event[letter.event_id] = entry.seq
                    self._outbox = OrderedDict(sorted(self._outbox.items()))
                seq = self._by_event.get(letter.event_id)
                if seq is None:
                    continue
                again = self._pending(seq, self._outbox[seq])
                again.deliveries[letter.receiver] = DeliveryState(letter.receiver, "failed", 0, letter.last_error, now)
                again.next_attempt_at = now
            return len(keys)


@contextmanager
def _locked(repo: MemoryRepository) -> Iterator[MemoryRepository]:
    with repo._lock:
        yield repo


@final
class MemoryRecordRepository:
    """The report records in a dictionary (the :class:`~gongkai_flow.records.RecordRepository` protocol)."""

    def __init__(self) -> None:
        self._records: dict[str, Record] = {}

    def find_record(self, record_id: str) -> Record | None:
        """The record, or ``None``."""
        return self._records.get(record_id)

    def insert_record(self, record: Record) -> None:
        """Store a new record."""
        self._records[record.id] = record

    def records(self, kind: str | None = None) -> list[Record]:
        """Every record (of stored ``kind``), the earliest first."""
        found = [r for r in self._records.values() if kind is None or KINDS[type(r)] == kind]
        return sorted(found, key=lambda r: (r.day, r.id))


@final
class MemoryBlobStore:
    """Attachment bytes in a dictionary keyed by SHA-256 (the :class:`~gongkai_flow.ports.BlobStore` protocol)."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put_blob(self, data: bytes) -> str:
        """Store ``data`` once; return its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        self._blobs.setdefault(digest, bytes(data))
        return digest

    def get_blob(self, sha256: str) -> bytes | None:
        """The stored bytes, or ``None``."""
        return self._blobs.get(sha256)


@final
class MemoryDutyStore:
    """The duty catalogue's rows in dictionaries (the :class:`~gongkai_flow.ports.DutyStore` protocol)."""

    def __init__(self, items: Mapping[str, DisclosureItem], enqueue: Callable[[Iterable[Event]], None]) -> None:
        self._items = items
        self._enqueue = enqueue
        self._tags: dict[str, frozenset[tuple[str, str]]] = {}
        self._events: dict[tuple[str, str], DutyEvent] = {}
        self._notices: dict[tuple[str, str, str], datetime] = {}

    def set_item_tags(self, item: DisclosureItem, tags: Sequence[tuple[str, str]], fulfilling: bool) -> None:
        """Replace the (code, period) tags of one item (whether it fulfils them is read from the item)."""
        self._tags[item.id] = frozenset(tags)

    def _published(self, periods: Sequence[str]) -> Iterator[tuple[str, str, DisclosureItem]]:
        wanted = set(periods)
        for item_id, tags in self._tags.items():
            item = self._items.get(item_id)
            if item is None or item.state not in FULFILLING_STATES or item.published_at is None:
                continue
            for code, period in tags:
                if period in wanted:
                    yield code, period, item

    def tallies(self, periods: Sequence[str], until: datetime) -> list[DutyTally]:
        """Per (code, period) of ``periods``: the fulfilling items published at or before ``until``."""
        found: dict[tuple[str, str], list[datetime]] = {}
        for code, period, item in self._published(periods):
            assert item.published_at is not None
            if item.published_at <= until:
                found.setdefault((code, period), []).append(item.published_at)
        return [DutyTally(c, p, len(ts), min(ts)) for (c, p), ts in found.items()]

    def fulfilments(self, periods: Sequence[str], *, codes: Sequence[str] | None = None) -> list[Fulfilment]:
        """The fulfilling items of ``periods`` (of ``codes``), the earliest published first."""
        out = [
            Fulfilment(code, period, item.id, item.title, item.published_at, item.column)  # type: ignore[arg-type]
            for code, period, item in self._published(periods)
            if codes is None or code in codes
        ]
        return sorted(out, key=lambda f: (f.published_at, f.item_id, f.code))

    def put_duty_event(self, event: DutyEvent) -> bool:
        """Store ``event``; ``False`` when its (code, key) is already there."""
        if (event.code, event.key) in self._events:
            return False
        self._events[(event.code, event.key)] = event
        return True

    def duty_events(self, since: datetime, until: datetime) -> list[DutyEvent]:
        """Events that occurred in [since, until), the earliest first."""
        found = [e for e in self._events.values() if since <= e.occurred_at < until]
        return sorted(found, key=lambda e: (e.occurred_at, e.code, e.key))

    def notices_sent(self, periods: Sequence[str]) -> set[tuple[str, str, str]]:
        """The (code, period, kind) notices already sent for ``periods``."""
        wanted = set(periods)
        return {key for key in self._notices if key[1] in wanted}

    def record_notice(self, code: str, period: str, kind: str, at: datetime) -> bool:
        """Record a notice as sent; ``False`` when it was already recorded."""
        if (code, period, kind) in self._notices:
            return False
        self._notices[(code, period, kind)] = at
        return True

    def enqueue(self, events: Sequence[Event]) -> None:
        """Put ``events`` in the outbox."""
        self._enqueue(events)
