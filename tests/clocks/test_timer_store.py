"""The timer store's writes: a clock started once, and a timer changed many times in one unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from gongkai_flow import Flow
from gongkai_flow.calendar import WorkCalendar
from gongkai_flow.deadlines import BUREAU_TZ, RULES, TimerStatus, add_timer, close, start_timer, store_timer
from gongkai_flow.storage.hashchain import GENESIS

CAL = WorkCalendar()
START = datetime(2019, 9, 20, 10, tzinfo=BUREAU_TZ)


def test_add_timer_starts_a_clock_once(flow: Flow) -> None:
    """The first start stores the timer and one history row; a second start of that id changes nothing."""
    first = start_timer("p:D15", RULES["D15"], "p", START, CAL, responsible="政策法规科")
    later = start_timer("p:D15", RULES["D15"], "p", START + timedelta(days=30), CAL, responsible="局办公室")
    with flow.clocks.unit() as store:
        assert add_timer(store, first, CAL) is True
    with flow.clocks.unit() as store:
        assert add_timer(store, later, CAL) is False
    with flow.clocks.unit(write=False) as store:
        kept = store.timer("p:D15")
        history = store.timer_history("p:D15")  # type: ignore[attr-defined]
        assert store.verify_timers().ok  # type: ignore[attr-defined]
    assert kept is not None
    assert (kept.due, kept.responsible) == (first.due, "政策法规科")
    assert [row.position for row in history] == [1]


def test_a_timer_read_and_stored_again_and_again_in_one_unit_keeps_one_chain(flow: Flow) -> None:
    """Stored, read, changed three times over, read and closed in one transaction: five linked history rows."""
    timer = start_timer("a:D3", RULES["D3"], "a", START, CAL, responsible="局办公室")
    with flow.clocks.unit() as store:
        store_timer(store, timer, CAL)
        current = store.timer("a:D3")
        assert current is not None
        for days in (1, 2, 3):  # no read in between: the store must know its own last history row
            store_timer(store, attrs.evolve(current, extended_days=days), CAL)
        current = store.timer("a:D3")
        assert current is not None
        store_timer(store, close(current, START + timedelta(days=5)), CAL)
    with flow.clocks.unit(write=False) as store:
        history = store.timer_history("a:D3")  # type: ignore[attr-defined]
        report = store.verify_timers()  # type: ignore[attr-defined]
        stored = store.timer("a:D3")
    assert report.ok, report.problems
    assert [row.position for row in history] == [1, 2, 3, 4, 5]
    assert [row.prev_hash for row in history] == [GENESIS, *(row.hash for row in history[:-1])]
    assert stored is not None
    assert (stored.status, stored.extended_days) == (TimerStatus.CLOSED, 3)
