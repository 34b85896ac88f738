"""Durable statutory clocks and 依申请公开 applications: tables, stores in memory and on SQL, and the tick.

Timers (:class:`~gongkai_flow.deadlines.Timer`) are rows of ``gongkai_timers``. Each row keeps
``next_check_at``, the earliest moment a notice may be owed (:func:`~gongkai_flow.deadlines.next_check`),
indexed, so :func:`tick` reads only ``next_check_at <= now``: an idle tick over a million open
timers is one index range scan that finds nothing.

A tick, per batch and in one transaction: claims the due rows (PostgreSQL: ``FOR UPDATE SKIP
LOCKED``, so several workers share the work and never take the same row; SQLite: the write lock
of ``BEGIN IMMEDIATE``), works out the notices owed, enqueues them as events in the outbox, and
records them on the row with the next ``next_check_at``. A notice is therefore enqueued once:
running the tick again at the same ``now`` finds nothing (and the event id, derived from timer,
notice and due time, is unique in the outbox besides).

Applications live in ``gongkai_applications`` (the value as a JSON document, plus the columns
worth querying) with their own hash-chained audit trail in ``gongkai_application_audit`` (the
item audit table's foreign key points at items). Their events go to the same outbox as the
items' events, in the same transaction as the application row.

:class:`MemoryClockStore` keeps the same contract in memory, next to a
:class:`~gongkai_flow.storage.memory.MemoryRepository` whose outbox it shares.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, Final, Protocol, final, runtime_checkable

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..calendar import WorkCalendar
from ..deadlines import RULES, Notice, Timer, TimerStatus, evaluate, next_check, record
from ..errors import StaleItemError
from ..events import DeadlineApproaching, DeadlineDue, DeadlineMissed, DeadlineNotice, Event
from ..model import AuditEntry
from ..requests import Application, ApplicationNotFoundError, application_doc, application_from_doc
from .database import storage_errors
from .hashchain import GENESIS, AuditProblem, AuditRecord, AuditReport, chain_entries, verify_chain
from .memory import MemoryRepository
from .sql import (
    JSONDoc,
    UTCDateTime,
    _audit_values,
    audit_columns,
    audit_entry_from_row,
    event_payload,
    metadata,
    outbox_table,
)

_ID = 100

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

#: The tables of this module, in dependency order.
CLOCK_TABLES: Final = (timers_table, applications_table, application_audit_table)

#: The event class of each notice.
NOTICE_EVENTS: Final[dict[Notice, type[DeadlineNotice]]] = {
    Notice.APPROACHING: DeadlineApproaching,
    Notice.DUE: DeadlineDue,
    Notice.MISSED: DeadlineMissed,
}

_OPEN: Final = (TimerStatus.RUNNING.value, TimerStatus.PAUSED.value)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def notice_event(timer: Timer, notice: Notice, now: datetime) -> DeadlineNotice:
    """The outbox event for ``notice`` on ``timer``; its id is stable for (timer, notice, due)."""
    rule = RULES[timer.rule_id]
    due_text = timer.due.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return NOTICE_EVENTS[notice](
        event_id=f"clock:{timer.id}:{notice.value}:{due_text}",
        item_id=timer.subject_id,
        chain_id="clock",
        chain_version=1,
        action=f"deadline-{notice.value}",
        from_state=timer.status.value,
        to_state=timer.status.value,
        actor_id="system",
        at=now,
        content_hash="",
        timer_id=timer.id,
        rule_id=rule.id,
        rule_label=rule.label,
        due=timer.due.isoformat(),
        provisional=timer.provisional,
        responsible=timer.responsible,
    )


# --- the store protocol ---------------------------------------------------------------------------------


@runtime_checkable
class ClockStore(Protocol):
    """Where timers and applications live, inside one unit of work (it never commits)."""

    def timer(self, timer_id: str) -> Timer | None:
        """The timer, or ``None``."""

    def put_timer(self, timer: Timer, calendar: WorkCalendar) -> None:
        """Insert or replace ``timer``, recomputing when it next needs looking at."""

    def update_timers(self, timers: Sequence[Timer], calendar: WorkCalendar) -> None:
        """Replace stored timers in one go (the tick's write)."""

    def timers(self, *, subject_id: str | None = None, open_only: bool = True) -> list[Timer]:
        """Timers (of one subject), the soonest due first; only running or paused ones by default."""

    def claim_due(self, now: datetime, limit: int) -> list[Timer]:
        """Up to ``limit`` timers whose ``next_check_at`` is at or before ``now``, locked for this unit."""

    def find_application(self, application_id: str) -> Application | None:
        """The application, or ``None``."""

    def applications(self, *, states: Iterable[str] | None = None) -> list[Application]:
        """Every application (in ``states``), the earliest received first."""

    def save_application(
        self,
        application: Application,
        previous_version: int | None,
        audit: Sequence[AuditEntry],
        events: Sequence[Event],
    ) -> None:
        """Store the application (version-checked), append its audit entries, enqueue its events."""

    def application_audit(self, application_id: str) -> list[AuditEntry]:
        """The application's audit trail, oldest first."""

    def verify_application_audit(self, application_ids: Iterable[str] | None = None) -> AuditReport:
        """Check the hash chains of the applications' audit trails (every application when ``None``)."""

    def enqueue(self, events: Sequence[Event]) -> None:
        """Put ``events`` in the outbox of this unit of work."""


def get_application(store: ClockStore, application_id: str) -> Application:
    """The application, or ``ApplicationNotFoundError``."""
    found = store.find_application(application_id)
    if found is None:
        raise ApplicationNotFoundError(f"找不到编号为“{application_id}”的政府信息公开申请。", item_id=application_id)
    return found


def _stale(application: Application, current: int | None) -> StaleItemError:
    if current is None:
        return StaleItemError(f"申请“{application.id}”已经存在或已被删除，请刷新后重试。", item_id=application.id)
    return StaleItemError(
        f"申请“{application.id}”已被他人处理（当前版本 {current}），请刷新后重试。", item_id=application.id
    )


# --- memory ---------------------------------------------------------------------------------------------


@final
class MemoryClockStore:
    """Timers and applications in dictionaries; events go to ``repository``'s outbox. Thread-safe."""

    def __init__(self, repository: MemoryRepository) -> None:
        self.repository = repository
        self._timers: dict[str, Timer] = {}
        self._next: dict[str, datetime] = {}
        self._apps: dict[str, Application] = {}
        self._audit: dict[str, list[AuditRecord]] = {}
        self._heads: dict[str, tuple[str, int]] = {}
        self._lock = threading.RLock()

    def unit(self) -> AbstractContextManager[MemoryClockStore]:
        """The store itself, holding its lock for the block (one unit of work at a time)."""
        return _locked(self)

    def timer(self, timer_id: str) -> Timer | None:
        """The timer, or ``None``."""
        return self._timers.get(timer_id)

    def put_timer(self, timer: Timer, calendar: WorkCalendar) -> None:
        """Insert or replace ``timer``; with ``keep_audit=False`` (benchmarks) a finished timer is forgotten."""
        with self._lock:
            if not self.repository.keep_audit and timer.status.value not in _OPEN:
                self._timers.pop(timer.id, None)
                self._next.pop(timer.id, None)
                return
            self._timers[timer.id] = timer
            moment = next_check(timer, calendar)
            if moment is None:
                self._next.pop(timer.id, None)
            else:
                self._next[timer.id] = moment

    def update_timers(self, timers: Sequence[Timer], calendar: WorkCalendar) -> None:
        """Replace stored timers."""
        for timer in timers:
            self.put_timer(timer, calendar)

    def timers(self, *, subject_id: str | None = None, open_only: bool = True) -> list[Timer]:
        """Timers (of one subject), the soonest due first."""
        found = [
            t
            for t in self._timers.values()
            if (subject_id is None or t.subject_id == subject_id) and (not open_only or t.status.value in _OPEN)
        ]
        return sorted(found, key=lambda t: (t.due, t.id))

    def claim_due(self, now: datetime, limit: int) -> list[Timer]:
        """Timers to look at now (the caller holds the lock through :meth:`unit`)."""
        due = sorted((moment, tid) for tid, moment in self._next.items() if moment <= now)
        return [self._timers[tid] for _, tid in due[:limit]]

    def find_application(self, application_id: str) -> Application | None:
        """The application, or ``None``."""
        return self._apps.get(application_id)

    def applications(self, *, states: Iterable[str] | None = None) -> list[Application]:
        """Every application (in ``states``), the earliest received first."""
        wanted = set(states) if states is not None else None
        found = [a for a in self._apps.values() if wanted is None or a.state in wanted]
        return sorted(found, key=lambda a: (a.received_on, a.id))

    def save_application(
        self,
        application: Application,
        previous_version: int | None,
        audit: Sequence[AuditEntry],
        events: Sequence[Event],
    ) -> None:
        """Store the application (version-checked), its audit entries and events."""
        with self._lock:
            current = self._apps.get(application.id)
            current_version = current.version if current is not None else None
            if current_version != previous_version:
                raise _stale(application, current_version)
            self._apps[application.id] = application
            head, count = self._heads.get(application.id, (GENESIS, 0))
            trail = self._audit.setdefault(application.id, [])
            for position, prev, digest, entry in chain_entries(audit, head, count):
                trail.append(AuditRecord(position, entry, prev, digest, position))
                head, count = digest, position
            self._heads[application.id] = (head, count)
            self.enqueue(events)

    def application_audit(self, application_id: str) -> list[AuditEntry]:
        """The application's audit trail, oldest first."""
        return [r.entry for r in self._audit.get(application_id, ())]

    def application_audit_records(self, application_id: str) -> list[AuditRecord]:
        """The stored audit rows of one application, with their hash links (tests tamper with these)."""
        return self._audit.setdefault(application_id, [])

    def verify_application_audit(self, application_ids: Iterable[str] | None = None) -> AuditReport:
        """Check the hash chains of the applications' audit trails."""
        with self._lock:
            ids = list(application_ids) if application_ids is not None else list(self._apps)
            problems: list[AuditProblem] = []
            entries = 0
            for app_id in ids:
                records = self._audit.get(app_id, [])
                entries += len(records)
                head, count = self._heads.get(app_id, (GENESIS, 0))
                problems.extend(verify_chain(app_id, records, head, count))
        return AuditReport(len(ids), entries, tuple(problems))

    def enqueue(self, events: Sequence[Event]) -> None:
        """Append ``events`` to the memory repository's outbox (once per event id)."""
        self.repository.enqueue(events)


@contextmanager
def _locked(store: MemoryClockStore) -> Iterator[MemoryClockStore]:
    with store._lock:
        yield store


# --- SQL ------------------------------------------------------------------------------------------------


def _timer_values(timer: Timer, calendar: WorkCalendar) -> dict[str, Any]:
    return {
        "id": timer.id,
        "rule_id": timer.rule_id,
        "subject_id": timer.subject_id,
        "started_at": timer.started_at,
        "due": timer.due,
        "responsible": timer.responsible,
        "status": timer.status.value,
        "provisional": timer.provisional,
        "paused_at": timer.paused_at,
        "remaining_workdays": timer.remaining_workdays,
        "extended_days": timer.extended_days,
        "extension_approver": timer.extension_approver,
        "notified": ",".join(sorted(n.value for n in timer.notified)),
        "closed_at": timer.closed_at,
        "next_check_at": next_check(timer, calendar),
        "lead": timer.lead,
    }


def timer_from_row(m: Any) -> Timer:
    """Rebuild a :class:`Timer` from a row of ``gongkai_timers``."""
    notified = frozenset(Notice._value2member_map_[v] for v in (m["notified"] or "").split(",") if v)
    return Timer(
        id=m["id"],
        rule_id=m["rule_id"],
        subject_id=m["subject_id"],
        started_at=m["started_at"],
        due=m["due"],
        responsible=m["responsible"],
        status=TimerStatus._value2member_map_[m["status"]],  # type: ignore[arg-type]
        provisional=bool(m["provisional"]),
        paused_at=m["paused_at"],
        remaining_workdays=m["remaining_workdays"],
        extended_days=m["extended_days"],
        extension_approver=m["extension_approver"],
        notified=notified,  # type: ignore[arg-type]
        closed_at=m["closed_at"],
        lead=m["lead"],
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


_UPDATE_TIMER: Final = (
    timers_table.update()
    .where(timers_table.c.id == sa.bindparam("b_id"))
    .values({c.name: sa.bindparam(c.name) for c in timers_table.columns})
)


@final
class SqlClockStore:
    """Timers and applications on SQL, inside the caller's transaction (``conn``); it never commits."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    def timer(self, timer_id: str) -> Timer | None:
        """The timer, or ``None``."""
        with storage_errors():
            row = self.conn.execute(sa.select(timers_table).where(timers_table.c.id == timer_id)).first()
        return None if row is None else timer_from_row(row._mapping)

    def put_timer(self, timer: Timer, calendar: WorkCalendar) -> None:
        """Insert or replace ``timer``."""
        values = _timer_values(timer, calendar)
        with storage_errors():
            updated = self.conn.execute(_UPDATE_TIMER, {"b_id": timer.id, **values}).rowcount
            if not updated:
                self.conn.execute(timers_table.insert(), values)

    def update_timers(self, timers: Sequence[Timer], calendar: WorkCalendar) -> None:
        """Replace stored timers with one prepared UPDATE run for all of them."""
        if timers:
            with storage_errors():
                self.conn.execute(_UPDATE_TIMER, [{"b_id": t.id, **_timer_values(t, calendar)} for t in timers])

    def timers(self, *, subject_id: str | None = None, open_only: bool = True) -> list[Timer]:
        """Timers (of one subject), the soonest due first."""
        query = sa.select(timers_table).order_by(timers_table.c.due, timers_table.c.id)
        if subject_id is not None:
            query = query.where(timers_table.c.subject_id == subject_id)
        if open_only:
            query = query.where(timers_table.c.status.in_(_OPEN))
        with storage_errors():
            return [timer_from_row(r._mapping) for r in self.conn.execute(query)]

    def claim_due(self, now: datetime, limit: int) -> list[Timer]:
        """Up to ``limit`` timers to look at now, locked (PostgreSQL: others skip them)."""
        query = self._claim_query(now, limit)
        with storage_errors():
            return [timer_from_row(r._mapping) for r in self.conn.execute(query)]

    def _claim_query(self, now: datetime, limit: int) -> sa.Select[Any]:
        """The claim: a range scan of the next-check index (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
        query = (
            sa.select(timers_table)
            .where(timers_table.c.next_check_at.is_not(None), timers_table.c.next_check_at <= now)
            .order_by(timers_table.c.next_check_at)
            .limit(limit)
        )
        return query.with_for_update(skip_locked=True) if self._postgres else query

    def find_application(self, application_id: str) -> Application | None:
        """The application, or ``None``."""
        query = sa.select(applications_table.c.doc).where(applications_table.c.id == application_id)
        with storage_errors():
            doc = self.conn.execute(query).scalar()
        return None if doc is None else application_from_doc(doc)

    def applications(self, *, states: Iterable[str] | None = None) -> list[Application]:
        """Every application (in ``states``), the earliest received first."""
        query = sa.select(applications_table.c.doc).order_by(applications_table.c.received_on, applications_table.c.id)
        if states is not None:
            query = query.where(applications_table.c.state.in_(list(states)))
        with storage_errors():
            return [application_from_doc(doc) for doc in self.conn.execute(query).scalars()]

    def save_application(
        self,
        application: Application,
        previous_version: int | None,
        audit: Sequence[AuditEntry],
        events: Sequence[Event],
    ) -> None:
        """Store the application (version-checked), append its hash-linked audit entries, enqueue its events."""
        a = applications_table.c
        now = _utcnow()
        values = {
            "state": application.state,
            "version": application.version,
            "received_on": application.received_on,
            "applicant_name": application.applicant_name,
            "linked_item_id": application.linked_item_id,
            "doc": application_doc(application),
            "updated_at": now,
        }
        with storage_errors():
            if previous_version is None:
                head, count = GENESIS, 0
                exists = self.conn.execute(sa.select(a.version).where(a.id == application.id)).first()
                if exists is not None:
                    raise _stale(application, None)
            else:
                row = self.conn.execute(
                    sa.select(a.version, a.audit_head, a.audit_count).where(a.id == application.id)
                ).first()
                if row is None or row[0] != previous_version:
                    raise _stale(application, None if row is None else row[0])
                head, count = row[1], row[2]
            links = chain_entries(audit, head, count)
            values["audit_head"] = links[-1][2] if links else head
            values["audit_count"] = count + len(links)
            if previous_version is None:
                self.conn.execute(applications_table.insert().values(id=application.id, **values))
            else:
                updated = self.conn.execute(
                    applications_table.update()
                    .where(a.id == application.id, a.version == previous_version)
                    .values(values)
                ).rowcount
                if not updated:
                    raise _stale(application, None)
            if links:
                self.conn.execute(
                    application_audit_table.insert(),
                    [_audit_values(application.id, p, h0, h1, e) for p, h0, h1, e in links],
                )
            self.enqueue(events)

    def application_audit(self, application_id: str) -> list[AuditEntry]:
        """The application's audit trail, oldest first."""
        t = application_audit_table.c
        query = sa.select(application_audit_table).where(t.item_id == application_id).order_by(t.position)
        with storage_errors():
            return [audit_entry_from_row(r._mapping) for r in self.conn.execute(query)]

    def verify_application_audit(self, application_ids: Iterable[str] | None = None) -> AuditReport:
        """Check the hash chains of the applications' audit trails against the heads on their rows."""
        a = applications_table.c
        t = application_audit_table.c
        query = sa.select(a.id, a.audit_head, a.audit_count).order_by(a.id)
        if application_ids is not None:
            query = query.where(a.id.in_(list(application_ids)))
        problems: list[AuditProblem] = []
        entries = 0
        with storage_errors():
            heads = self.conn.execute(query).all()
            for app_id, head, count in heads:
                rows = self.conn.execute(sa.select(application_audit_table).where(t.item_id == app_id)).all()
                records = [
                    AuditRecord(m["position"], audit_entry_from_row(m), m["prev_hash"], m["hash"], m["id"])
                    for m in (r._mapping for r in rows)
                ]
                entries += len(records)
                problems.extend(verify_chain(app_id, records, head, count))
        return AuditReport(len(heads), entries, tuple(problems))

    def enqueue(self, events: Sequence[Event]) -> None:
        """Insert ``events`` into ``gongkai_outbox`` (an event id already there is not inserted again)."""
        if not events:
            return
        with storage_errors():
            ids = [e.event_id for e in events]
            known = set(
                self.conn.execute(sa.select(outbox_table.c.event_id).where(outbox_table.c.event_id.in_(ids))).scalars()
            )
            fresh = [e for e in events if e.event_id not in known]
            if fresh:
                self.conn.execute(outbox_table.insert(), outbox_rows(fresh, _utcnow()))


# --- the tick -------------------------------------------------------------------------------------------


@final
@attrs.frozen
class TickReport:
    """What a tick did: how many timers it looked at and the notices it enqueued."""

    examined: int
    notices: tuple[DeadlineNotice, ...] = ()


def tick_batch(store: ClockStore, now: datetime, calendar: WorkCalendar, limit: int) -> TickReport:
    """One batch of a tick inside the caller's unit of work: claim, evaluate, enqueue, record."""
    claimed = store.claim_due(now, limit)
    events: list[DeadlineNotice] = []
    changed = []
    for timer in claimed:
        owed = evaluate(timer, now, calendar)
        events.extend(notice_event(timer, notice, now) for notice in owed)
        changed.append(record(timer, owed))
    store.update_timers(changed, calendar)
    store.enqueue(events)
    return TickReport(len(claimed), tuple(events))


def tick(target: Engine | MemoryClockStore, now: datetime, calendar: WorkCalendar, *, batch: int = 500) -> TickReport:
    """Owe every notice due at ``now``, once: batches of ``batch`` timers, each batch one transaction.

    ``target`` is the database engine (each batch its own committed transaction; several workers
    may tick one PostgreSQL at once) or the memory store. Idempotent: a second tick at the same
    ``now`` changes nothing.
    """
    if now.tzinfo is None:
        raise ValueError("tick needs an aware datetime")
    examined = 0
    notices: list[DeadlineNotice] = []
    while True:
        unit: AbstractContextManager[Any]
        unit = target.unit() if isinstance(target, MemoryClockStore) else _sql_unit(target)
        with unit as store:
            report = tick_batch(store, now, calendar, batch)
        examined += report.examined
        notices.extend(report.notices)
        # A full batch that owed nothing would be claimed again: stop (the invariant of next_check forbids it).
        if report.examined < batch or not report.notices:
            return TickReport(examined, tuple(notices))


@contextmanager
def _sql_unit(engine: Engine) -> Iterator[SqlClockStore]:
    writer = engine.execution_options(gongkai_write=True)
    with storage_errors(), writer.begin() as conn:
        yield SqlClockStore(conn)


__all__ = [
    "CLOCK_TABLES",
    "ClockStore",
    "MemoryClockStore",
    "SqlClockStore",
    "TickReport",
    "application_audit_table",
    "applications_table",
    "tick",
    "tick_batch",
    "timers_table",
]
