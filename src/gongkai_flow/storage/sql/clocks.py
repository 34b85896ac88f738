"""Statutory clocks and 依申请公开 applications on SQL: the timer rows, the applications and their audit.

Timers (:class:`~gongkai_flow.timers.Timer`) are rows of ``gongkai_timers``. Each row keeps
``next_check_at``, the earliest moment a notice may be owed, indexed, so a tick reads only
``next_check_at <= now``: an idle tick over a million open timers is one index range scan that
finds nothing. :meth:`SqlClockStore.claim_due` locks what it reads (PostgreSQL: ``FOR UPDATE SKIP
LOCKED``, so several workers share the work and never take the same row; SQLite: the write lock
of ``BEGIN IMMEDIATE``).

Applications live in ``gongkai_applications`` (the value as a JSON document, plus the columns
worth querying) with their own hash-chained audit trail in ``gongkai_application_audit`` (the
item audit table's foreign key points at items). Their events go to the same outbox as the
items' events, in the same transaction as the application row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Final, final

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from ...applications import Application, application_doc, application_from_doc
from ...events import Event
from ...model import AuditEntry, AuditProblem, AuditRecord, AuditReport
from ...timers import OPEN_STATUSES, Notice, Timer, TimerStatus
from ..errors import stale_application
from ..hashchain import GENESIS, chain_entries, verify_chain
from ..timer_history import TimerHistoryRow, next_row, timer_columns, timer_content, verify_timer
from ..translate import storage_errors
from .mapping import audit_entry_from_row, audit_values, outbox_rows, utcnow
from .prepared import Prepared, prepared_insert
from .schema import application_audit_table, applications_table, outbox_table, timer_history_table, timers_table

_OPEN: Final = tuple(sorted(status.value for status in OPEN_STATUSES))


# --- SQL ------------------------------------------------------------------------------------------------


def _timer_values(timer: Timer, next_check_at: datetime | None) -> dict[str, Any]:
    return timer_columns(timer, next_check_at)


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


def _latest_history_query() -> sa.Select[Any]:
    h = timer_history_table.c
    last = (
        sa.select(h.timer_id, sa.func.max(h.position).label("position"))
        .where(h.timer_id.in_(sa.bindparam("b_ids", expanding=True)))
        .group_by(h.timer_id)
        .subquery()
    )
    return sa.select(h.timer_id, h.position, h.content, h.prev_hash, h.hash, h.id).join(
        last, sa.and_(h.timer_id == last.c.timer_id, h.position == last.c.position)
    )


#: Built once: constructing a statement costs more than running it.
_LATEST_HISTORY: Final = _latest_history_query()
_GET_TIMER: Final = sa.select(timers_table).where(timers_table.c.id == sa.bindparam("b_id"))


def _timer_with_head_query() -> sa.Select[Any]:
    """A timer row with its latest history row beside it (``h_`` columns; ``NULL`` when it has none)."""
    t, h = timers_table.c, timer_history_table.c
    last = sa.select(sa.func.max(h.position)).where(h.timer_id == t.id).correlate(timers_table).scalar_subquery()
    head = [h.position.label("h_position"), h.content.label("h_content"), h.prev_hash.label("h_prev")]
    head += [h.hash.label("h_hash"), h.id.label("h_id")]
    return (
        sa.select(timers_table, *head)
        .select_from(timers_table.outerjoin(timer_history_table, sa.and_(h.timer_id == t.id, h.position == last)))
        .where(t.id == sa.bindparam("b_id"))
    )


_GET_TIMER_WITH_HEAD: Final = _timer_with_head_query()


def _close_query(*, with_head: bool) -> sa.Update:
    """Close an open timer and return its row (``with_head``: and its latest history row's position and hash).

    SQLite writes ``RETURNING`` columns unqualified, so the history subqueries are spelled out:
    there ``id`` alone would name the history row's own id.
    """
    t = timers_table.c
    returned: list[Any] = [timers_table]
    if with_head:
        th, tt = timer_history_table.name, timers_table.name
        for column, label in (("position", "h_position"), ("hash", "h_hash")):
            latest = (
                f"(SELECT {th}.{column} FROM {th} WHERE {th}.timer_id = {tt}.id ORDER BY {th}.position DESC LIMIT 1)"
            )
            returned.append(sa.literal_column(latest).label(label))
    return (
        timers_table.update()
        .where(t.id == sa.bindparam("b_id"), sa.or_(*(t.status == status for status in _OPEN)))
        .values(status=TimerStatus.CLOSED.value, closed_at=sa.bindparam("b_at"), next_check_at=None)
        .returning(*returned)
    )


_CLOSE_TIMER: Final = _close_query(with_head=False)
_CLOSE_TIMER_WITH_HEAD: Final = _close_query(with_head=True)
_TIMER_VALUES: Final[dict[str, Any]] = {c.name: sa.bindparam(c.name) for c in timers_table.columns}
_INSERT_TIMER: Final = prepared_insert(timers_table, list(_TIMER_VALUES))
#: ``INSERT … ON CONFLICT DO NOTHING``: the same words on both backends, each dialect's own construct.
_ADD_TIMER: Final = Prepared(
    {
        name: insert(timers_table).inline().values(_TIMER_VALUES).on_conflict_do_nothing(index_elements=["id"])
        for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
    }
)
_UPDATE_TIMER: Final = Prepared(
    timers_table.update().where(timers_table.c.id == sa.bindparam("b_id")).values(_TIMER_VALUES)
)
_HISTORY_COLUMNS: Final = ("timer_id", "position", "content", "prev_hash", "hash", "recorded_at")
_INSERT_HISTORY: Final = prepared_insert(timer_history_table, _HISTORY_COLUMNS)


def _history_row(m: Any) -> TimerHistoryRow:
    return TimerHistoryRow(m["timer_id"], int(m["position"]), m["content"], m["prev_hash"], m["hash"], int(m["id"]))


@final
class SqlClockStore:
    """Timers and applications on SQL, inside the caller's transaction (``conn``); it never commits."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._postgres = conn.dialect.name == "postgresql"
        # Timers this store looked up in this transaction and found absent: putting one is a plain
        # INSERT whose history starts afresh, without the UPDATE and the history read.
        self._absent: set[str] = set()
        # SQLite: the latest history row of each timer read in this transaction (None: it has none).
        # No other writer can append meanwhile — the unit holds the write lock (BEGIN IMMEDIATE), or
        # SQLite refuses its write (a stale snapshot) — so storing the timer needs no second read.
        # PostgreSQL reads the latest row after the UPDATE instead, under the timer's row lock.
        self._latest: dict[str, TimerHistoryRow | None] = {}

    def timer(self, timer_id: str) -> Timer | None:
        """The timer, or ``None``."""
        with storage_errors():
            if self._postgres:
                row = self.conn.execute(_GET_TIMER, {"b_id": timer_id}).first()
            else:
                row = self.conn.execute(_GET_TIMER_WITH_HEAD, {"b_id": timer_id}).first()
        if row is None:
            self._absent.add(timer_id)
            return None
        self._absent.discard(timer_id)
        m = row._mapping
        if not self._postgres:
            head = m["h_id"]
            self._latest[timer_id] = (
                None
                if head is None
                else TimerHistoryRow(timer_id, int(m["h_position"]), m["h_content"], m["h_prev"], m["h_hash"], head)
            )
        return timer_from_row(m)

    def put_timer(self, timer: Timer, next_check_at: datetime | None) -> None:
        """Insert or replace ``timer``."""
        values = _timer_values(timer, next_check_at)
        with storage_errors():
            if timer.id in self._absent:
                _INSERT_TIMER.run(self.conn, values)
                self._absent.discard(timer.id)
                self._record_history([values], fresh_ids={timer.id})
                return
            updated = _UPDATE_TIMER.run(self.conn, {"b_id": timer.id, **values}).rowcount
            if not updated:
                _INSERT_TIMER.run(self.conn, values)
            self._record_history([values])

    def add_timer(self, timer: Timer, next_check_at: datetime | None) -> bool:
        """Insert ``timer`` unless a timer with its id is stored; whether it was inserted."""
        values = _timer_values(timer, next_check_at)
        with storage_errors():
            if not _ADD_TIMER.run(self.conn, values).rowcount:
                return False
            self._absent.discard(timer.id)
            self._record_history([values], fresh_ids={timer.id})
        return True

    def close_timer(self, timer_id: str, at: datetime) -> Timer | None:
        """Close the timer if it is open, in one ``UPDATE … RETURNING``; the closed timer, or ``None``.

        Its history row follows. SQLite returns the latest history row's position and hash with the
        timer (the unit holds the write lock, see ``_latest``); PostgreSQL reads them after the
        update, under the row lock the update took.
        """
        if not self.conn.dialect.update_returning:  # no UPDATE … RETURNING (SQLite before 3.35): read, then write
            current = self.timer(timer_id)
            if current is None or current.status not in OPEN_STATUSES:
                return None
            closed = current.closed(at)
            self.put_timer(closed, None)
            return closed
        with storage_errors():
            if self._postgres:
                row = self.conn.execute(_CLOSE_TIMER, {"b_id": timer_id, "b_at": at}).first()
            else:
                row = self.conn.execute(_CLOSE_TIMER_WITH_HEAD, {"b_id": timer_id, "b_at": at}).first()
            if row is None:
                return None
            m = row._mapping
            timer = timer_from_row(m)
            if not self._postgres:
                position = m["h_position"]
                # Its content is not read: it said open, and the timer is now closed, so they differ.
                self._latest[timer_id] = (
                    None if position is None else TimerHistoryRow(timer_id, int(position), {}, "", m["h_hash"])
                )
            self._record_history([_timer_values(timer, None)])
        return timer

    def update_timers(self, timers: Sequence[tuple[Timer, datetime | None]]) -> None:
        """Replace stored timers with one prepared UPDATE run for all of them."""
        if timers:
            values = [_timer_values(t, n) for t, n in timers]
            with storage_errors():
                _UPDATE_TIMER.run(self.conn, [{"b_id": v["id"], **v} for v in values])
                self._record_history(values)

    def _record_history(self, values: Sequence[dict[str, Any]], *, fresh_ids: Collection[str] = ()) -> None:
        """Append a history row for each timer whose stored content changed.

        Runs after the timer rows were written, so on PostgreSQL the row lock of each timer is held
        and two writers of one timer append its history one after the other. ``fresh_ids``: timers
        this transaction has just inserted (their primary key now held), whose history starts here.
        """
        remembered = self._latest
        unknown = [v["id"] for v in values if v["id"] not in fresh_ids and v["id"] not in remembered]
        latest: dict[str, TimerHistoryRow | None] = dict(self._latest_history(unknown)) if unknown else {}
        fresh = []
        for v in values:
            timer_id = v["id"]
            if timer_id in fresh_ids:
                last = None
            elif timer_id in latest:
                last = latest[timer_id]
            else:
                last = remembered.get(timer_id)
            row = next_row(timer_id, timer_content(v), last)
            if row is not None:
                latest[timer_id] = row
                fresh.append(row)
        if not self._postgres:
            remembered.update(latest)
        if fresh:
            now = utcnow()
            _INSERT_HISTORY.run(
                self.conn,
                [
                    {
                        "timer_id": r.timer_id,
                        "position": r.position,
                        "content": dict(r.content),
                        "prev_hash": r.prev_hash,
                        "hash": r.hash,
                        "recorded_at": now,
                    }
                    for r in fresh
                ],
            )

    def _latest_history(self, timer_ids: Sequence[str]) -> dict[str, TimerHistoryRow]:
        """The last history row of each of ``timer_ids`` that has one."""
        rows = self.conn.execute(_LATEST_HISTORY, {"b_ids": sorted(set(timer_ids))})
        return {r[0]: TimerHistoryRow(r[0], int(r[1]), r[2], r[3], r[4], int(r[5])) for r in rows}

    def timer_history(self, timer_id: str) -> list[TimerHistoryRow]:
        """Every stored history row of one timer, oldest first."""
        h = timer_history_table.c
        query = sa.select(timer_history_table).where(h.timer_id == timer_id).order_by(h.position, h.id)
        with storage_errors():
            return [_history_row(r._mapping) for r in self.conn.execute(query)]

    def verify_timers(self) -> AuditReport:
        """Check every timer's history chain and each timer row against its latest history row.

        A timer with history but no row (deleted) and a row without history are reported too.
        """
        h = timer_history_table.c
        with storage_errors():
            current = {r._mapping["id"]: timer_content(r._mapping) for r in self.conn.execute(sa.select(timers_table))}
            history: dict[str, list[TimerHistoryRow]] = {}
            for r in self.conn.execute(sa.select(timer_history_table).order_by(h.timer_id, h.position, h.id)):
                row = _history_row(r._mapping)
                history.setdefault(row.timer_id, []).append(row)
        problems: list[AuditProblem] = []
        for timer_id in sorted(set(current) | set(history)):
            problems.extend(verify_timer(timer_id, current.get(timer_id), history.get(timer_id, [])))
        entries = sum(len(rows) for rows in history.values())
        return AuditReport(0, entries, tuple(problems), timers_checked=len(current))

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
        now = utcnow()
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
                    raise stale_application(application, None)
            else:
                row = self.conn.execute(
                    sa.select(a.version, a.audit_head, a.audit_count).where(a.id == application.id)
                ).first()
                if row is None or row[0] != previous_version:
                    raise stale_application(application, None if row is None else row[0])
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
                    raise stale_application(application, None)
            if links:
                self.conn.execute(
                    application_audit_table.insert(),
                    [audit_values(application.id, p, h0, h1, e) for p, h0, h1, e in links],
                )
            self.enqueue(events)

    def application_audit(self, application_id: str) -> list[AuditEntry]:
        """The application's audit trail, oldest first."""
        t = application_audit_table.c
        query = sa.select(application_audit_table).where(t.item_id == application_id).order_by(t.position)
        with storage_errors():
            return [audit_entry_from_row(r._mapping) for r in self.conn.execute(query)]

    def verify_application_audit(self, application_ids: Iterable[str] | None = None) -> AuditReport:
        """Check the applications' hash chains against the heads on their rows, and each row's state.

        The state on the row must be where the last audit entry left the application.
        """
        a = applications_table.c
        t = application_audit_table.c
        query = sa.select(a.id, a.audit_head, a.audit_count, a.state).order_by(a.id)
        if application_ids is not None:
            query = query.where(a.id.in_(list(application_ids)))
        problems: list[AuditProblem] = []
        entries = 0
        with storage_errors():
            heads = self.conn.execute(query).all()
            for app_id, head, count, state in heads:
                rows = self.conn.execute(sa.select(application_audit_table).where(t.item_id == app_id)).all()
                records = sorted(
                    (
                        AuditRecord(m["position"], audit_entry_from_row(m), m["prev_hash"], m["hash"], m["id"])
                        for m in (r._mapping for r in rows)
                    ),
                    key=lambda r: (r.position, r.row_id),
                )
                entries += len(records)
                problems.extend(verify_chain(app_id, records, head, count, subject="application"))
                if records and records[-1].entry.to_state != state:
                    want = records[-1].entry.to_state
                    problems.append(
                        AuditProblem(
                            app_id,
                            0,
                            "mismatch",
                            "申请的状态与最后一条审核记录的结果不符",
                            "application",
                            "状态",
                            state,
                            want,
                        )
                    )
        return AuditReport(0, entries, tuple(problems), applications_checked=len(heads))

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
                self.conn.execute(outbox_table.insert(), outbox_rows(fresh, utcnow()))
