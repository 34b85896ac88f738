"""What the domain services need stored, as protocols: storage adapters implement them.

Each service declares here the unit-of-work store it works on, so storage implements these
structurally without importing any service logic, and the services never ask which backend they
have:

* :class:`TimerStore` — durable timers of the statutory clocks (:mod:`gongkai_flow.deadlines`);
* :class:`ClockStore` — timers plus 依申请公开 applications (:mod:`gongkai_flow.requests`);
* :class:`RecordRepository` — the annual report's records (:mod:`gongkai_flow.records`);
* :class:`DutyStore` — the duty catalogue's tags, events and notices (:mod:`gongkai_flow.duties`);
* :class:`ItemLinks` — the item queries the clocks need (:mod:`gongkai_flow.clocks`);
* :class:`BlobStore` — the bytes of attachments, by SHA-256 (the façade's attachments; an OA host
  may plug in its own file service).

Every store works inside its caller's unit of work and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from .applications import Application
from .duty_types import DutyEvent, DutyTally, Fulfilment
from .events import Event
from .model import AuditEntry, AuditReport, BlobReader, DisclosureItem
from .record_types import Record
from .timers import Timer

__all__ = ["BlobStore", "ClockStore", "DutyStore", "ItemLinks", "RecordRepository", "TimerStore"]


@runtime_checkable
class TimerStore(Protocol):
    """Where timers live, inside one unit of work (it never commits); storage implements it.

    A stored timer keeps ``next_check_at`` (:func:`next_check`), indexed, so a tick reads only
    the timers that may owe a notice.
    """

    def timer(self, timer_id: str) -> Timer | None:
        """The timer, or ``None``."""

    def put_timer(self, timer: Timer, next_check_at: datetime | None) -> None:
        """Insert or replace ``timer`` with when it next needs looking at."""

    def add_timer(self, timer: Timer, next_check_at: datetime | None) -> bool:
        """Insert ``timer`` unless one with its id is stored (then nothing changes); whether it was inserted."""

    def close_timer(self, timer_id: str, at: datetime) -> Timer | None:
        """Close the timer if it is open (:data:`~gongkai_flow.timers.OPEN_STATUSES`), as :meth:`Timer.closed` does.

        The closed timer, or ``None`` when there is no such timer or it had already stopped (then
        nothing changes). Nothing is left to check on a closed timer.
        """

    def update_timers(self, timers: Sequence[tuple[Timer, datetime | None]]) -> None:
        """Replace stored timers in one go (the tick's write)."""

    def timers(self, *, subject_id: str | None = None, open_only: bool = True) -> list[Timer]:
        """Timers (of one subject), the soonest due first; only running or paused ones by default."""

    def claim_due(self, now: datetime, limit: int) -> list[Timer]:
        """Up to ``limit`` timers whose ``next_check_at`` is at or before ``now``, locked for this unit."""

    def enqueue(self, events: Sequence[Event]) -> None:
        """Put ``events`` in the outbox of this unit of work (an event id already there is skipped)."""


@runtime_checkable
class ClockStore(TimerStore, Protocol):
    """Timers and applications inside one unit of work (it never commits); storage implements it."""

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


@runtime_checkable
class RecordRepository(Protocol):
    """Where records live, inside one unit of work (it never commits); storage implements it."""

    def find_record(self, record_id: str) -> Record | None:
        """The record, or ``None``."""

    def insert_record(self, record: Record) -> None:
        """Store a new record (the caller checked its id is free)."""

    def records(self, kind: str | None = None) -> list[Record]:
        """Every record (of stored ``kind``), the earliest first."""


@runtime_checkable
class ItemLinks(Protocol):
    """What the clocks need of an item unit of work: a policy's interpretations, and the clock store."""

    def interpretations_of(self, policy_id: str) -> list[DisclosureItem]:
        """The 政策解读 items linked to a policy document."""

    def has_published_interpretation(self, policy_id: str) -> bool:
        """Whether a published 政策解读 is linked to the policy document (one indexed probe)."""

    def clock_store(self) -> ClockStore:
        """The timers and applications in the same unit of work."""


@runtime_checkable
class BlobStore(BlobReader, Protocol):
    """Attachment bytes, content-addressed by their SHA-256 (lowercase hex)."""

    def put_blob(self, data: bytes) -> str:
        """Store ``data`` (idempotent: the same bytes are stored once); return its SHA-256."""


@runtime_checkable
class DutyStore(Protocol):
    """The duty catalogue's rows inside one unit of work (it never commits); storage implements it.

    Items are tagged ``(code, period)``; a tag counts while its item is in one of
    :data:`~gongkai_flow.duty_types.FULFILLING_STATES`.
    """

    def set_item_tags(self, item: DisclosureItem, tags: Sequence[tuple[str, str]], fulfilling: bool) -> None:
        """Replace the (code, period) tags of one item; ``fulfilling``: it counts (published, not retracted)."""

    def tallies(self, periods: Sequence[str], until: datetime) -> list[DutyTally]:
        """Per (code, period) of ``periods``: the fulfilling items published at or before ``until``."""

    def fulfilments(self, periods: Sequence[str], *, codes: Sequence[str] | None = None) -> list[Fulfilment]:
        """The fulfilling items of ``periods`` (of ``codes``), the earliest published first."""

    def put_duty_event(self, event: DutyEvent) -> bool:
        """Store ``event``; ``False`` (nothing written) when its (code, key) is already there."""

    def duty_events(self, since: datetime, until: datetime) -> list[DutyEvent]:
        """Events that occurred in [since, until), the earliest first."""

    def notices_sent(self, periods: Sequence[str]) -> set[tuple[str, str, str]]:
        """The (code, period, kind) notices already sent for ``periods``."""

    def record_notice(self, code: str, period: str, kind: str, at: datetime) -> bool:
        """Record a notice as sent; ``False`` when it was already recorded (it is then not sent again)."""

    def enqueue(self, events: Sequence[Event]) -> None:
        """Put ``events`` in the outbox of this unit of work."""
