"""The timer store's writes: a clock started once, and a timer changed many times in one unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import attrs

from gongkai_flow import Flow
from gongkai_flow.calendar import WorkCalendar
from gongkai_flow.deadlines import BUREAU_TZ, RULES, TimerStatus, add_timer, close, start_timer, store_timer
from gongkai_flow.storage.database import Database
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


def _verified_positions(flow: Flow, timer_id: str) -> list[int]:
    """The positions of the timer's history rows, after checking every timer's history verifies."""
    with flow.clocks.unit(write=False) as store:
        history = store.timer_history(timer_id)  # type: ignore[attr-defined]
        report = store.verify_timers()  # type: ignore[attr-defined]
    assert report.ok, report.problems
    return [row.position for row in history]


def test_close_timer_closes_an_open_clock_once(flow: Flow) -> None:
    """An open clock is closed with one more history row; closing it again, or an unknown one, changes nothing."""
    timer = start_timer("p:D1", RULES["D1"], "p", START, CAL, responsible="局办公室")
    done = START + timedelta(days=2)
    with flow.clocks.unit() as store:
        add_timer(store, timer, CAL)
        store_timer(store, attrs.evolve(timer, extended_days=1), CAL)
    with flow.clocks.unit() as store:
        closed = store.close_timer("p:D1", done)
        again = store.close_timer("p:D1", done + timedelta(days=1))
        unknown = store.close_timer("nobody:D1", done)
    assert closed is not None
    assert (closed.status, closed.closed_at, closed.extended_days) == (TimerStatus.CLOSED, done, 1)
    assert (again, unknown) == (None, None)
    with flow.clocks.unit(write=False) as store:
        stored = store.timer("p:D1")
        claimed = store.claim_due(START + timedelta(days=400), 10)
    assert stored == closed
    assert claimed == []  # nothing is left to check on a closed clock
    assert _verified_positions(flow, "p:D1") == [1, 2, 3]


def test_close_timer_closes_a_paused_clock_and_links_to_a_change_made_in_the_same_unit(flow: Flow) -> None:
    """Paused, then closed in the same transaction: the close's history row links to the pause's."""
    timer = start_timer("a:D3", RULES["D3"], "a", START, CAL, responsible="局办公室")
    with flow.clocks.unit() as store:
        add_timer(store, timer, CAL)
    with flow.clocks.unit() as store:
        store_timer(store, attrs.evolve(timer, status=TimerStatus.PAUSED, paused_at=START), CAL)
        closed = store.close_timer("a:D3", START + timedelta(days=1))
        store_timer(store, attrs.evolve(timer, status=TimerStatus.MISSED), CAL)  # and written once more
    assert closed is not None
    assert closed.status is TimerStatus.CLOSED
    assert closed.paused_at == START
    assert _verified_positions(flow, "a:D3") == [1, 2, 3, 4]


def test_close_timer_leaves_a_missed_clock_alone(flow: Flow) -> None:
    timer = start_timer("m:D3", RULES["D3"], "m", START, CAL)
    with flow.clocks.unit() as store:
        store_timer(store, attrs.evolve(timer, status=TimerStatus.MISSED), CAL)
        assert store.close_timer("m:D3", START) is None
        kept = store.timer("m:D3")
    assert kept is not None
    assert kept.status is TimerStatus.MISSED
    assert _verified_positions(flow, "m:D3") == [1]


def test_close_timer_on_an_sqlite_without_returning_reads_then_writes(tmp_path: Path) -> None:
    """SQLite before 3.35 has no ``UPDATE … RETURNING``: the store reads the timer, then writes it."""
    database = Database(tmp_path / "old.db")
    database.engine.dialect.update_returning = False  # what SQLAlchemy says of such an SQLite
    flow = Flow(database=database)
    try:
        timer = start_timer("o:D1", RULES["D1"], "o", START, CAL)
        with flow.clocks.unit() as store:
            add_timer(store, timer, CAL)
        with flow.clocks.unit() as store:
            closed = store.close_timer("o:D1", START + timedelta(days=1))
            assert store.close_timer("o:D1", START + timedelta(days=2)) is None
        assert closed is not None
        assert (closed.status, closed.closed_at) == (TimerStatus.CLOSED, START + timedelta(days=1))
        assert _verified_positions(flow, "o:D1") == [1, 2]
    finally:
        flow.close()
        database.close()
