"""Statutory clocks and 依申请公开 applications in memory, beside a memory repository.

:class:`MemoryClockStore` keeps the contract of :class:`~gongkai_flow.requests.ClockStore` (timers,
applications and their hash-chained audit trails) in dictionaries; its events go to the memory
repository's outbox.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import final

from ..applications import Application
from ..events import Event
from ..model import AuditEntry, AuditProblem, AuditRecord, AuditReport
from ..timers import OPEN_STATUSES, Timer
from .errors import stale_application
from .hashchain import GENESIS, chain_entries, verify_chain
from .timer_history import TimerHistoryRow, next_row, timer_columns, timer_content, verify_timer

# --- memory ---------------------------------------------------------------------------------------------


@final
class MemoryClockStore:
    """Timers and applications in dictionaries; events go to ``repository``'s outbox. Thread-safe."""

    def __init__(
        self,
        enqueue: Callable[[Iterable[Event]], None],
        *,
        keep_finished: bool = True,
        lock: threading.RLock | None = None,
    ) -> None:
        self._enqueue = enqueue
        self._keep_finished = keep_finished
        self._timers: dict[str, Timer] = {}
        self._next: dict[str, datetime] = {}
        # Each stored change of a timer, hash-linked per timer (the SQL store's timer history).
        self._history: dict[str, list[TimerHistoryRow]] = {}
        self._apps: dict[str, Application] = {}
        self._audit: dict[str, list[AuditRecord]] = {}
        self._heads: dict[str, tuple[str, int]] = {}
        # Shares the memory repository's lock, so a unit of work covers items and clocks alike.
        self._lock = lock if lock is not None else threading.RLock()

    def unit(self) -> AbstractContextManager[MemoryClockStore]:
        """The store itself, holding its lock for the block (one unit of work at a time)."""
        return _locked(self)

    def timer(self, timer_id: str) -> Timer | None:
        """The timer, or ``None``."""
        return self._timers.get(timer_id)

    def add_timer(self, timer: Timer, next_check_at: datetime | None) -> bool:
        """Insert ``timer`` unless one with its id is stored; whether it was inserted."""
        with self._lock:
            if timer.id in self._timers:
                return False
            self.put_timer(timer, next_check_at)
            return True

    def close_timer(self, timer_id: str, at: datetime) -> Timer | None:
        """Close the timer if it is open; the closed timer, or ``None`` (nothing changed)."""
        with self._lock:
            timer = self._timers.get(timer_id)
            if timer is None or timer.status not in OPEN_STATUSES:
                return None
            closed = timer.closed(at)
            self.put_timer(closed, None)
            return closed

    def put_timer(self, timer: Timer, next_check_at: datetime | None) -> None:
        """Insert or replace ``timer``; with ``keep_finished=False`` (benchmarks) a finished timer is forgotten."""
        with self._lock:
            if not self._keep_finished and timer.status not in OPEN_STATUSES:
                self._timers.pop(timer.id, None)
                self._next.pop(timer.id, None)
                self._history.pop(timer.id, None)
                return
            self._timers[timer.id] = timer
            history = self._history.setdefault(timer.id, [])
            row = next_row(
                timer.id, timer_content(timer_columns(timer, next_check_at)), history[-1] if history else None
            )
            if row is not None:
                history.append(row)
            moment = next_check_at
            if moment is None:
                self._next.pop(timer.id, None)
            else:
                self._next[timer.id] = moment

    def update_timers(self, timers: Sequence[tuple[Timer, datetime | None]]) -> None:
        """Replace stored timers."""
        for timer, next_check_at in timers:
            self.put_timer(timer, next_check_at)

    def timers(self, *, subject_id: str | None = None, open_only: bool = True) -> list[Timer]:
        """Timers (of one subject), the soonest due first."""
        found = [
            t
            for t in self._timers.values()
            if (subject_id is None or t.subject_id == subject_id) and (not open_only or t.status in OPEN_STATUSES)
        ]
        return sorted(found, key=lambda t: (t.due, t.id))

    def claim_due(self, now: datetime, limit: int) -> list[Timer]:
        """Timers to look at now (the caller holds the lock through :meth:`unit`)."""
        due = sorted((moment, tid) for tid, moment in self._next.items() if moment <= now)
        return [self._timers[tid] for _, tid in due[:limit]]

    def timer_history(self, timer_id: str) -> list[TimerHistoryRow]:
        """The stored history rows of one timer, oldest first (tests tamper with this list)."""
        return self._history.setdefault(timer_id, [])

    def next_check_at(self, timer_id: str) -> datetime | None:
        """When the timer is next looked at (``None``: not scheduled)."""
        return self._next.get(timer_id)

    def verify_timers(self) -> AuditReport:
        """Check every timer's history chain and each timer against its latest history row."""
        with self._lock:
            current = {tid: timer_content(timer_columns(t, self._next.get(tid))) for tid, t in self._timers.items()}
            history = {tid: list(rows) for tid, rows in self._history.items() if rows}
        problems: list[AuditProblem] = []
        for timer_id in sorted(set(current) | set(history)):
            problems.extend(verify_timer(timer_id, current.get(timer_id), history.get(timer_id, [])))
        entries = sum(len(rows) for rows in history.values())
        return AuditReport(0, entries, tuple(problems), timers_checked=len(current))

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
                raise stale_application(application, current_version)
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
                problems.extend(verify_chain(app_id, records, head, count, subject="application"))
        return AuditReport(0, entries, tuple(problems), applications_checked=len(ids))

    def enqueue(self, events: Sequence[Event]) -> None:
        """Append ``events`` to the memory repository's outbox (once per event id)."""
        self._enqueue(events)


@contextmanager
def _locked(store: MemoryClockStore) -> Iterator[MemoryClockStore]:
    with store._lock:
        yield store
