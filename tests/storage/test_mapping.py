"""Mapping domain values to rows and back, without the database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import ClassVar

import attrs

from gongkai_flow import Flow
from gongkai_flow.demo import run_demo
from gongkai_flow.events import Event, event_from_dict
from gongkai_flow.model import DisclosureItem, Platform, Severity
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


@attrs.frozen
class _Graded(Event):
    type: ClassVar[str] = "graded"

    on: date = date(2019, 9, 20)
    severity: Severity = Severity.BLOCK
    platforms: frozenset[Platform] = frozenset({Platform.WEBSITE, Platform.NEW_MEDIA})


def test_an_events_document_holds_only_plain_json_values() -> None:
    """to_dict gives values of JSON's own types (an Enum that is also a str counts as neither)."""
    repo = MemoryRepository()
    with Flow(repository=repo, dispatch=False) as flow:
        run_demo(flow)
        flow.clocks.register_opinion("yq-1", "major")
    plain = {str, int, float, bool, type(None)}
    # A host's own event may hold what the built-in ones do not: a day, an enum, a set of enums.
    graded = _Graded("e1", "i1", "default", 1, "publish", "a", "b", "x", datetime(2019, 9, 20, tzinfo=UTC), "h")
    assert graded.to_dict()["severity"] == "block"
    assert graded.to_dict()["platforms"] == ["new_media", "website"]
    for event in [*repo.pending_events(1000), graded]:
        for name, value in event.to_dict().items():
            kinds = {type(v) for v in value} if isinstance(value, list) else {type(value)}
            assert kinds <= plain, (event.type, name, value)


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
