"""The outbox on SQL tables: dispatch workers claim events, deliver them and record the results.

See :class:`SqlOutbox`; the tables are declared in :mod:`gongkai_flow.storage.sql.schema`.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Final, final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from ...events import Event, event_from_dict
from ..base import Claim, DeadLetter, DeliveryState, OutboxStatus
from ..translate import storage_errors, translated
from .schema import PENDING, deliveries_table, outbox_table

#: The status of an event no enabled receiver handled (无接收方): kept, not done.
UNHANDLED: Final = "unhandled"


def _moment(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):  # SQLite returns an aggregate of a typed column as text
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


# --- the outbox -----------------------------------------------------------------------------------


@final
class SqlOutbox:
    """The outbox on SQL tables, for dispatch workers; it runs its own short transactions.

    On PostgreSQL a worker holds the event's row lock (``SELECT … FOR UPDATE SKIP LOCKED``) while
    it delivers, so other workers skip to the next event and no event reaches a receiver twice;
    if the worker dies, the server releases the lock and rolls back, and the event is due again.

    SQLite has no row locks, and holding its single write lock while receivers run would stall
    every writer (and deadlock a receiver that writes). There a worker takes a *lease* instead:
    the claim is written and committed at once, the receivers run, and the results are written
    in a second transaction. A worker that dies leaves its lease to expire (``lease``), then the
    event is delivered again.
    """

    def __init__(self, engine: Engine, *, lease: timedelta = timedelta(minutes=5), worker: str | None = None) -> None:
        self.engine = engine
        self.lease = lease
        self.worker = worker if worker is not None else f"{socket.gethostname()}:{os.getpid()}"
        self.row_locks = engine.dialect.name == "postgresql"
        self._writer = engine.execution_options(gongkai_write=True)

    @contextmanager
    def claim(self, now: datetime, *, after: int = 0) -> Iterator[Claim | None]:
        """Claim the oldest event due at ``now`` after sequence ``after`` (see ``OutboxStore``).

        A driver error (the database down, the connection cut) leaves as a typed
        :class:`~gongkai_flow.storage.errors.StorageError`; the claim's transaction is rolled back,
        so the event stays pending and is delivered again later.
        """
        with storage_errors("发件箱数据库"):
            if self.row_locks:
                with self._claim_locked(now, after) as claim:
                    yield claim
            else:
                with self._claim_leased(now, after) as claim:
                    yield claim

    def _due(self, now: datetime, after: int) -> sa.Select[Any]:
        o = outbox_table.c
        return (
            sa.select(o.seq, o.event_id, o.payload, o.attempts)
            .where(PENDING, o.seq > after, o.next_attempt_at <= now)
            .order_by(o.seq)
            .limit(1)
        )

    @contextmanager
    def _claim_locked(self, now: datetime, after: int) -> Iterator[Claim | None]:
        with self._writer.connect() as conn, conn.begin():
            row = conn.execute(self._due(now, after).with_for_update(skip_locked=True)).first()
            if row is None:
                yield None
                return
            claim = self._make_claim(conn, row)
            yield claim
            self._record(conn, claim, now)

    @contextmanager
    def _claim_leased(self, now: datetime, after: int) -> Iterator[Claim | None]:
        o = outbox_table.c
        owner = f"{self.worker}:{os.urandom(4).hex()}"
        free = sa.or_(o.lease_until.is_(None), o.lease_until < now)
        with self.engine.connect() as conn:  # a plain read first: no write lock when there is nothing to do
            found = conn.execute(self._due(now, after).where(free)).first()
            conn.rollback()
        if found is None:
            yield None
            return
        with self._writer.begin() as conn:
            claim = None
            while claim is None:
                row = conn.execute(
                    self._due(now, after).where(sa.or_(o.lease_until.is_(None), o.lease_until < now))
                ).first()
                if row is None:
                    break
                taken = conn.execute(
                    outbox_table.update()
                    .where(o.seq == row.seq, PENDING, sa.or_(o.lease_until.is_(None), o.lease_until < now))
                    .values(lease_owner=owner, lease_until=now + self.lease)
                )
                if taken.rowcount == 1:
                    claim = self._make_claim(conn, row)
                else:  # somebody else took it between our read and our write
                    after = row.seq
        if claim is None:
            yield None
            return
        try:
            yield claim
        except BaseException:
            with self._writer.begin() as conn:
                conn.execute(
                    outbox_table.update()
                    .where(o.seq == claim.seq, o.lease_owner == owner)
                    .values(lease_owner=None, lease_until=None)
                )
            raise
        with self._writer.begin() as conn:
            self._record(conn, claim, now)

    def _make_claim(self, conn: Connection, row: Row[Any]) -> Claim:
        m = row._mapping
        seq, event_id, payload, attempts = m["seq"], m["event_id"], m["payload"], m["attempts"]
        deliveries: dict[str, DeliveryState] = {}
        if attempts:
            d = deliveries_table.c
            for r in conn.execute(sa.select(deliveries_table).where(d.outbox_seq == seq)):
                m = r._mapping
                deliveries[m["receiver"]] = DeliveryState(
                    m["receiver"], m["status"], m["attempts"], m["last_error"], m["next_attempt_at"]
                )
        event: Event | None
        error = None
        try:
            event = event_from_dict(json.loads(payload))
        except Exception as exc:  # a payload this version cannot read: recorded, retried, dead-lettered
            event = None
            error = f"无法读取事件内容（{type(exc).__name__}: {exc}）"
        return Claim(seq, event_id, event, attempts, deliveries, event_error=error)

    def _record(self, conn: Connection, claim: Claim, now: datetime) -> None:
        d = deliveries_table.c
        o = outbox_table.c
        finished = claim.retry_at is None and not claim.give_up and claim.event is not None
        needs_rows = bool(claim.deliveries) or not finished or any(r.status != "delivered" for r in claim.results)
        if needs_rows and claim.results:
            new = []
            for state in claim.results:
                values = {
                    "status": state.status,
                    "attempts": state.attempts,
                    "last_error": state.last_error,
                    "next_attempt_at": state.next_attempt_at,
                    "updated_at": now,
                }
                if state.receiver in claim.deliveries:
                    conn.execute(
                        deliveries_table.update()
                        .where(d.outbox_seq == claim.seq, d.receiver == state.receiver)
                        .values(**values)
                    )
                else:
                    new.append({"outbox_seq": claim.seq, "receiver": state.receiver, **values})
            if new:
                conn.execute(deliveries_table.insert(), new)
        errors = [r.last_error for r in claim.results if r.status != "delivered" and r.last_error]
        if claim.event is None:
            errors.insert(0, claim.event_error or "")
        update: dict[str, Any] = {"lease_owner": None, "lease_until": None, "last_error": errors[0] if errors else None}
        if claim.unhandled:
            update.update(status=UNHANDLED, done_at=now)
        elif finished:
            update.update(status="done", done_at=now)
        elif claim.give_up:
            update.update(status="dead", done_at=now, attempts=claim.attempts + 1)
        else:
            update.update(attempts=claim.attempts + 1, next_attempt_at=claim.retry_at or now)
        conn.execute(outbox_table.update().where(o.seq == claim.seq).values(**update))

    @translated("发件箱数据库")
    def settle_unwanted(self, now: datetime, *, wanted: Collection[str]) -> int:
        """Set aside as 无接收方 every due pending event whose type is not in ``wanted``; return how many.

        ``done_at`` records when, for the retention (:meth:`purge_unhandled`).
        """
        o = outbox_table.c
        unwanted = sa.select(o.seq).where(
            PENDING,
            o.next_attempt_at <= now,
            o.attempts == 0,
            o.event_type.not_in(sorted(wanted)),
            sa.or_(o.lease_until.is_(None), o.lease_until < now),
        )
        with self.engine.connect() as conn:  # nothing to do is the common case: find out without a lock
            found = conn.execute(unwanted.limit(1)).first()
            conn.rollback()
        if found is None:
            return 0
        if self.row_locks:  # never wait for, nor touch, an event another worker holds
            unwanted = unwanted.with_for_update(skip_locked=True)
        with self._writer.begin() as conn:
            result = conn.execute(
                outbox_table.update().where(o.seq.in_(unwanted)).values(status=UNHANDLED, done_at=now)
            )
        return int(result.rowcount)

    @translated("发件箱数据库")
    def replay_unhandled(self, now: datetime, *, wanted: Collection[str]) -> int:
        """Make the 无接收方 events whose type is in ``wanted`` due again; return how many."""
        o = outbox_table.c
        with self._writer.begin() as conn:
            result = conn.execute(
                outbox_table.update()
                .where(o.status == UNHANDLED, o.event_type.in_(sorted(wanted)))
                .values(status="pending", done_at=None, next_attempt_at=now, lease_owner=None, lease_until=None)
            )
        return int(result.rowcount)

    @translated("发件箱数据库")
    def purge_unhandled(self, before: datetime | None = None) -> int:
        """Delete the 无接收方 events set aside before ``before`` (all when ``None``); return how many."""
        o = outbox_table.c
        condition = o.status == UNHANDLED
        if before is not None:
            condition = sa.and_(condition, o.done_at < before)
        with self._writer.begin() as conn:
            conn.execute(
                deliveries_table.delete().where(deliveries_table.c.outbox_seq.in_(sa.select(o.seq).where(condition)))
            )
            result = conn.execute(outbox_table.delete().where(condition))
        return int(result.rowcount)

    @translated("发件箱数据库")
    def status(self, now: datetime) -> OutboxStatus:
        """Counts of pending, due, retrying and done events, and the dead letters."""
        o = outbox_table.c
        d = deliveries_table.c
        pending = PENDING
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(
                    sa.func.count().filter(pending),
                    sa.func.count().filter(sa.and_(pending, o.next_attempt_at <= now)),
                    sa.func.count().filter(sa.and_(pending, o.attempts > 0)),
                    sa.func.count().filter(o.status == "done"),
                    sa.func.min(o.created_at).filter(pending),
                    sa.func.count().filter(o.status == UNHANDLED),
                    sa.func.min(o.created_at).filter(o.status == UNHANDLED),
                )
            ).one()
            letters = [
                DeadLetter(r.event_id, r.event_type, r.item_id, r.receiver, r.attempts, r.last_error)
                for r in conn.execute(
                    sa.select(o.event_id, o.event_type, o.item_id, d.receiver, d.attempts, d.last_error)
                    .join(outbox_table, o.seq == d.outbox_seq)
                    .where(d.status == "dead")
                    .order_by(o.seq, d.receiver)
                )
            ]
            letters.extend(
                DeadLetter(r.event_id, r.event_type, r.item_id, "<outbox>", r.attempts, r.last_error)
                for r in conn.execute(
                    sa.select(o.event_id, o.event_type, o.item_id, o.attempts, o.last_error)
                    .where(o.status == "dead")
                    .order_by(o.seq)
                )
            )
        return OutboxStatus(
            row[0],
            row[1],
            row[2],
            row[3],
            tuple(letters),
            _moment(row[4]),
            unhandled=row[5],
            oldest_unhandled_at=_moment(row[6]),
        )

    @translated("发件箱数据库")
    def retry_dead(self, now: datetime, *, event_id: str | None = None) -> int:
        """Give dead-lettered deliveries (of one event, or all) a fresh set of tries; return how many."""
        o = outbox_table.c
        d = deliveries_table.c
        with self._writer.begin() as conn:
            seqs_query = sa.select(o.seq)
            if event_id is not None:
                seqs_query = seqs_query.where(o.event_id == event_id)
            dead_rows = conn.execute(
                sa.select(d.outbox_seq, d.receiver).where(d.status == "dead", d.outbox_seq.in_(seqs_query))
            ).all()
            conn.execute(
                deliveries_table.update()
                .where(d.status == "dead", d.outbox_seq.in_(seqs_query))
                .values(status="failed", attempts=0, next_attempt_at=now, updated_at=now)
            )
            dead_events = (
                conn.execute(sa.select(o.seq).where(o.status == "dead", o.seq.in_(seqs_query))).scalars().all()
            )
            touched = {r[0] for r in dead_rows} | set(dead_events)
            if touched:
                conn.execute(
                    outbox_table.update()
                    .where(o.seq.in_(sorted(touched)))
                    .values(status="pending", next_attempt_at=now, done_at=None)
                )
                conn.execute(outbox_table.update().where(o.seq.in_(list(dead_events))).values(attempts=0))
        return len(dead_rows) + len(dead_events)

    @translated("发件箱数据库")
    def purge_done(self, before: datetime) -> int:
        """Delete events delivered (without dead letters) before ``before``; return how many."""
        o = outbox_table.c
        d = deliveries_table.c
        with self._writer.begin() as conn:
            has_dead = sa.select(d.outbox_seq).where(d.status == "dead")
            result = conn.execute(
                outbox_table.delete().where(o.status == "done", o.done_at < before, o.seq.not_in(has_dead))
            )
        return int(result.rowcount)
