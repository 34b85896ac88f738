"""The repository protocol every storage backend implements.

A repository stores what the engine decided — the item, its audit entries and its events —
inside the caller's unit of work. It never decides anything itself, except refusing a save
that lost an optimistic-concurrency race (``StaleItemError``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

from ..engine import Outcome
from ..events import Event
from ..model import AuditEntry, DisclosureItem


@runtime_checkable
class Repository(Protocol):
    """Where items, audit trails and pending events live."""

    def get(self, item_id: str) -> DisclosureItem:
        """The item, or ``ItemNotFoundError``."""

    def find(self, item_id: str) -> DisclosureItem | None:
        """The item, or ``None``."""

    def save(self, outcome: Outcome) -> None:
        """Store the outcome atomically: item (version-checked), audit entries, outbox events."""

    def audit(self, item_id: str) -> list[AuditEntry]:
        """The item's audit trail, oldest first."""

    def items(self, *, states: Iterable[str] | None = None) -> Iterator[DisclosureItem]:
        """Every item, optionally only those in ``states``."""

    def pending_events(self, limit: int = 100) -> list[Event]:
        """Events saved but not yet delivered, oldest first."""

    def mark_delivered(self, event_id: str) -> None:
        """Record that ``event_id`` was delivered to its receivers."""
