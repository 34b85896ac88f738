"""Mapping domain values to rows and back, without the database."""

from __future__ import annotations

import json

from gongkai_flow import Flow
from gongkai_flow.demo import run_demo
from gongkai_flow.events import event_from_dict
from gongkai_flow.model import DisclosureItem
from gongkai_flow.storage.memory import MemoryRepository
from gongkai_flow.storage.sql.mapping import _COLUMN_VALUE, event_payload, item_values
from gongkai_flow.storage.sql.schema import items_table


def test_outbox_payload_is_the_events_own_document() -> None:
    """event_payload writes exactly Event.to_dict(), and event_from_dict reads every kind back equal."""
    repo = MemoryRepository()
    with Flow(repository=repo, dispatch=False) as flow:
        run_demo(flow)
    events = repo.pending_events(1000)
    assert len({e.type for e in events}) >= 6
    for event in events:
        assert json.loads(event_payload(event)) == event.to_dict()
        assert event_from_dict(json.loads(event_payload(event))) == event


def test_partial_item_values_cover_every_column() -> None:
    """Every stored field can be written on its own, with the same value as a full write."""
    repo = MemoryRepository()
    with Flow(repository=repo) as flow:
        policy = run_demo(flow).policy
    full = item_values(policy)
    assert set(_COLUMN_VALUE) == set(full)
    assert item_values(policy, frozenset(full)) == full
    derived = {"updated_at", "audit_head", "audit_count"} | {
        c.name for c in items_table.columns if c.name.startswith("wl_")
    }
    assert set(full) | derived == {c.name for c in items_table.columns}
    assert isinstance(policy, DisclosureItem)
