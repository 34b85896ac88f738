"""The protocols every storage backend implements: the repository and the outbox.

A :class:`Repository` stores what the engine decided — the item, its audit entries and its
events — inside the caller's unit of work. It never decides anything itself, except refusing a
save that lost an optimistic-concurrency race (``StaleItemError``), and it never commits: the
host (or the :class:`~gongkai_flow.service.Flow` façade) owns the transaction.

An :class:`OutboxStore` hands stored events to the dispatcher one at a time and remembers, per
receiver, what was delivered, what failed (and when to try again) and what was given up on
(dead-lettered). Unlike a repository it runs its own short transactions: delivering effects is
the library's job, after the host committed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Literal, Protocol, final, runtime_checkable

import attrs

from ..engine import Outcome
from ..events import Event
from ..model import Actor, AuditEntry, AuditRecord, AuditReport, DisclosureItem
from ..ports import BlobStore, ClockStore, DutyStore, RecordRepository
from .worklist import WorkItem

DeliveryStatus = Literal["delivered", "failed", "dead"]


@runtime_checkable
class Repository(Protocol):
    """Where items, audit trails and pending events live, inside one unit of work.

    It carries every query the :class:`~gongkai_flow.service.Flow` façade and the domain services
    need, so nothing above storage asks which backend it has.
    """

    def get(self, item_id: str) -> DisclosureItem:
        """The item, or ``ItemNotFoundError``."""

    def find(self, item_id: str) -> DisclosureItem | None:
        """The item, or ``None``."""

    def save(self, outcome: Outcome, *, expected_version: int | None = None) -> None:
        """Store the outcome atomically: item (version-checked), audit entries, outbox events.

        ``StaleItemError`` when the item changed since it was read, or when ``expected_version``
        (the version the user's form showed) is not the version read.
        """

    def audit(self, item_id: str) -> list[AuditEntry]:
        """The item's audit trail, oldest first."""

    def audit_records(self, item_id: str) -> list[AuditRecord]:
        """The item's audit trail with positions and hash links, oldest first."""

    def verify_audit(self, item_ids: Iterable[str] | None = None) -> AuditReport:
        """Check the hash chains of the given items (all items when ``None``)."""

    def items(self, *, states: Iterable[str] | None = None) -> Iterator[DisclosureItem]:
        """Every item, optionally only those in ``states``."""

    def interpretations_of(self, policy_id: str) -> list[DisclosureItem]:
        """The 政策解读 items linked to a policy document."""

    def has_published_interpretation(self, policy_id: str) -> bool:
        """Whether a published 政策解读 is linked to the policy document."""

    def worklist(self, actor: Actor, *, limit: int | None = None) -> list[WorkItem]:
        """待办: items ``actor`` can move on now, the longest-waiting first, as summary lines."""

    def done(self, actor: Actor, *, limit: int | None = None) -> list[DisclosureItem]:
        """已办: items ``actor`` has acted on, the most recent first."""

    def pending_events(self, limit: int = 100) -> list[Event]:
        """Events saved but not yet delivered, oldest first."""

    def mark_delivered(self, event_id: str) -> None:
        """Record that ``event_id`` was delivered to its receivers."""

    def clock_store(self) -> ClockStore:
        """The timers and 依申请公开 applications in this unit of work."""

    def record_store(self) -> RecordRepository:
        """The annual report's records in this unit of work."""

    def blob_store(self) -> BlobStore:
        """The attachments' bytes in this unit of work."""

    def duty_store(self) -> DutyStore:
        """The duty catalogue's tags, events and notices in this unit of work."""


#: The name the repository protocol had while worklists and audit checks were optional.
DurableRepository = Repository


@runtime_checkable
class Store(Protocol):
    """A backend as a whole: units of work on its repository, and its outbox for the dispatcher.

    :class:`~gongkai_flow.storage.memory.MemoryStore` and :class:`~gongkai_flow.storage.sql.SqlStore`
    implement it; the :class:`~gongkai_flow.service.Flow` façade holds one and never asks which.
    """

    @property
    def outbox(self) -> OutboxStore:
        """The outbox the dispatcher claims events from."""

    def unit(self, *, write: bool = True) -> AbstractContextManager[Repository]:
        """A repository for one unit of work, committed when the block ends without an error."""

    def close(self) -> None:
        """Release what the store opened."""


@final
@attrs.frozen
class DeliveryState:
    """What happened so far when delivering one event to one receiver."""

    receiver: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None = None
    next_attempt_at: datetime | None = None


@final
@attrs.define
class Claim:
    """One event taken from the outbox for delivery; the store records ``results`` on release.

    ``deliveries`` is what earlier attempts left per receiver. The dispatcher appends the new
    :class:`DeliveryState` of every receiver it tried to ``results``; an event that cannot even be
    read sets ``event_error``.
    """

    seq: int
    event_id: str
    event: Event | None
    attempts: int
    deliveries: dict[str, DeliveryState]
    results: list[DeliveryState] = attrs.field(factory=list)
    event_error: str | None = None
    retry_at: datetime | None = None
    give_up: bool = False
    #: Set by the dispatcher when no enabled receiver handles the event: kept as 无接收方, not done.
    unhandled: bool = False

    def settle(self, receivers: Iterable[str]) -> tuple[bool, datetime | None]:
        """Whether the event is finished for ``receivers``, and when to come back if not."""
        state = {**self.deliveries, **{r.receiver: r for r in self.results}}
        waiting = [state.get(name) for name in receivers]
        if any(s is None for s in waiting):  # a receiver never tried (should not happen)
            return False, None
        pending = [s for s in waiting if s is not None and s.status == "failed"]
        if not pending:
            return True, None
        return False, min((s.next_attempt_at for s in pending if s.next_attempt_at is not None), default=None)


@final
@attrs.frozen
class DeadLetter:
    """A delivery given up on: shown by ``gongkai dispatch --status`` until retried."""

    event_id: str
    event_type: str
    item_id: str
    receiver: str
    attempts: int
    last_error: str | None


@final
@attrs.frozen
class OutboxStatus:
    """Counts of the outbox and the dead letters, for ``gongkai dispatch --status``.

    ``unhandled`` counts the events set aside as 无接收方: no enabled receiver handled them, so
    they were not delivered and are kept (for the retention) until a receiver added later takes
    them (``gongkai dispatch --replay``) or an operator purges them.
    """

    pending: int
    due: int
    retrying: int
    done: int
    dead_letters: tuple[DeadLetter, ...] = ()
    oldest_pending_at: datetime | None = None
    unhandled: int = 0
    oldest_unhandled_at: datetime | None = None


@runtime_checkable
class OutboxStore(Protocol):
    """Stored events waiting for delivery, claimed one at a time by dispatch workers."""

    def claim(self, now: datetime, *, after: int = 0) -> AbstractContextManager[Claim | None]:
        """Claim the oldest event due at ``now`` with a sequence number above ``after``.

        Yields ``None`` when there is none. While the block runs, no other worker can claim the
        same event; leaving it records the claim's results. If the process dies inside the
        block, the event stays pending and is delivered again later (receivers are idempotent
        by event id).
        """

    def settle_unwanted(self, now: datetime, *, wanted: Collection[str]) -> int:
        """Set aside as 无接收方 every due pending event whose type is not in ``wanted``; return how many.

        What the dispatcher would do to them one by one, in one statement. They are not marked
        done: they stay, counted as ``unhandled``, until :meth:`replay_unhandled` gives them to a
        receiver added later or :meth:`purge_unhandled` removes them. Every dispatch worker of one
        database should therefore enable the same plugins.
        """

    def replay_unhandled(self, now: datetime, *, wanted: Collection[str]) -> int:
        """Make the 无接收方 events whose type is in ``wanted`` due again; return how many."""

    def purge_unhandled(self, before: datetime | None = None) -> int:
        """Delete the 无接收方 events set aside before ``before`` (all when ``None``); return how many."""

    def status(self, now: datetime) -> OutboxStatus:
        """Counts of pending, due, retrying and done events, and the dead letters."""

    def retry_dead(self, now: datetime, *, event_id: str | None = None) -> int:
        """Give dead-lettered deliveries (of one event, or all) a fresh set of tries; return how many."""
