"""An in-memory repository: for tests, benchmarks and short-lived standalone runs."""

from __future__ import annotations

import threading
from collections import OrderedDict
from itertools import islice
from collections.abc import Iterable, Iterator
from typing import final

from ..engine import Outcome
from ..errors import ItemNotFoundError, StaleItemError
from ..events import Event
from ..model import AuditEntry, DisclosureItem


@final
class MemoryRepository:
    """Keeps items, audit trails and the outbox in dictionaries; thread-safe, not durable.

    ``keep_audit=False`` drops audit entries and delivered events as they come (for benchmarks
    that push many items through and must not grow with their number).
    """

    def __init__(self, *, keep_audit: bool = True) -> None:
        self._items: dict[str, DisclosureItem] = {}
        self._audit: dict[str, list[AuditEntry]] = {}
        self._outbox: OrderedDict[str, Event] = OrderedDict()
        self._lock = threading.Lock()
        self.keep_audit = keep_audit

    def get(self, item_id: str) -> DisclosureItem:
        """The item, or ``ItemNotFoundError``."""
        item = self._items.get(item_id)
        if item is None:
            raise ItemNotFoundError(f"找不到编号为“{item_id}”的信息。", item_id=item_id)
        return item

    def find(self, item_id: str) -> DisclosureItem | None:
        """The item, or ``None``."""
        return self._items.get(item_id)

    def save(self, outcome: Outcome) -> None:
        """Store the outcome, refusing it if the item changed since it was read."""
        item = outcome.item
        with self._lock:
            current = self._items.get(item.id)
            current_version = current.version if current is not None else None
            if current_version != outcome.previous_version:
                raise StaleItemError(
                    f"《{item.title}》已被他人处理（版本 {current_version}），请刷新后重试。",
                    item_id=item.id,
                )
            self._items[item.id] = item
            if self.keep_audit:
                self._audit.setdefault(item.id, []).extend(outcome.audit)
            for event in outcome.events:
                self._outbox[event.event_id] = event

    def audit(self, item_id: str) -> list[AuditEntry]:
        """The item's audit trail, oldest first."""
        return list(self._audit.get(item_id, ()))

    def items(self, *, states: Iterable[str] | None = None) -> Iterator[DisclosureItem]:
        """Every item, optionally only those in ``states``."""
        wanted = set(states) if states is not None else None
        for item in list(self._items.values()):
            if wanted is None or item.state in wanted:
                yield item

    def forget(self, item_id: str) -> None:
        """Drop an item and its trail (benchmarks that must not grow)."""
        with self._lock:
            self._items.pop(item_id, None)
            self._audit.pop(item_id, None)

    def pending_events(self, limit: int = 100) -> list[Event]:
        """Events saved but not yet delivered, oldest first."""
        with self._lock:
            return list(islice(self._outbox.values(), limit))

    def mark_delivered(self, event_id: str) -> None:
        """Drop a delivered event from the outbox."""
        with self._lock:
            self._outbox.pop(event_id, None)
